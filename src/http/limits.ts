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
 * limits. One iterative walk: no recursion to exhaust.
 */
export function shapeProblem(value: unknown, depthLimit = maxNestingDepth, entriesLimit = maxCollectionEntries): string | undefined {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== "object") continue;
    if (depth > depthLimit) return `request body nests deeper than ${depthLimit} levels`;
    const children = Array.isArray(node) ? node : Object.values(node);
    if (children.length > entriesLimit) {
      return `request body has a list or map of ${children.length} entries; the limit is ${entriesLimit}`;
    }
    for (const child of children) {
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
    }
  }
  return undefined;
}
