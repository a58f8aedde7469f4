/** Limits on what the HTTP layer accepts, documented in the README. */

/** The API server's own limit on a request body. */
export const maxBodyBytes = 3 * 1024 * 1024;

/** Far deeper than any Kubernetes object; stops stack exhaustion in the code that walks objects. */
export const maxNestingDepth = 100;

/** Returns the nesting depth of `value` if it is within `limit`, else undefined. Iterative: no recursion to exhaust. */
export function nestingWithin(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== "object") continue;
    if (depth > limit) return false;
    const children = Array.isArray(node) ? node : Object.values(node);
    for (const child of children) {
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
    }
  }
  return true;
}

/**
 * Entries in one array or object. Real StatefulSets and PVCs stay far below (a long env list has a few hundred); a
 * body of 200 000 tiny containers fits in the byte limit yet costs the rules close to a second of CPU, past the
 * Workers CPU limit.
 */
export const maxCollectionEntries = 10_000;

/**
 * Why a parsed body's shape is refused (too deep, or a collection too long), or undefined when it is within both
 * limits. Recursion stops at `depthLimit`, so the stack stays shallow whatever the body holds; it runs on every
 * request, so it walks without allocating.
 */
export function shapeProblem(value: unknown, depthLimit = maxNestingDepth, entriesLimit = maxCollectionEntries): string | undefined {
  return typeof value === "object" && value !== null ? problemAt(value, 1, depthLimit, entriesLimit) : undefined;
}

function problemAt(node: object, depth: number, depthLimit: number, entriesLimit: number): string | undefined {
  if (depth > depthLimit) return `request body nests deeper than ${depthLimit} levels`;
  if (Array.isArray(node)) {
    if (node.length > entriesLimit) return tooMany(node.length, entriesLimit);
    for (let i = 0; i < node.length; i++) {
      const child: unknown = node[i];
      if (typeof child === "object" && child !== null) {
        const problem = problemAt(child, depth + 1, depthLimit, entriesLimit);
        if (problem) return problem;
      }
    }
    return undefined;
  }
  let entries = 0;
  for (const key in node) {
    if (++entries > entriesLimit) return tooMany(Object.keys(node).length, entriesLimit);
    const child = (node as Record<string, unknown>)[key];
    if (typeof child === "object" && child !== null) {
      const problem = problemAt(child, depth + 1, depthLimit, entriesLimit);
      if (problem) return problem;
    }
  }
  return undefined;
}

const tooMany = (count: number, limit: number) => `request body has a list or map of ${count} entries; the limit is ${limit}`;
