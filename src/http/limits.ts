/** Limits on what the HTTP layer accepts, documented in the README. */
import { FieldPath } from "../k8s/field.js";
import { refusedKey, refusedKeyDetail } from "../k8s/refused-key.js";

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
 * Why a parsed body's shape is refused (too deep, a collection too long, a `__proto__` key), or undefined when it is
 * within the limits. Recursion stops at `depthLimit`, so the stack stays shallow whatever the body holds; it runs on
 * every request, so it walks without allocating.
 */
export function shapeProblem(value: unknown, depthLimit = maxNestingDepth, entriesLimit = maxCollectionEntries): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const problem = problemAt(value, 1, depthLimit, entriesLimit);
  if (typeof problem === "string") return problem;
  return problem && `request body: ${pathText(problem.at)}: Forbidden: ${refusedKeyDetail}`;
}

/** A problem found below the root: a message, or the path to a refused key (built only on the way back up). */
type Problem = string | { at: (string | number)[] } | undefined;

function problemAt(node: object, depth: number, depthLimit: number, entriesLimit: number): Problem {
  if (depth > depthLimit) return `request body nests deeper than ${depthLimit} levels`;
  if (Array.isArray(node)) {
    if (node.length > entriesLimit) return tooMany(node.length, entriesLimit);
    for (let i = 0; i < node.length; i++) {
      const child: unknown = node[i];
      if (typeof child === "object" && child !== null) {
        const problem = problemAt(child, depth + 1, depthLimit, entriesLimit);
        if (problem) return within(problem, i);
      }
    }
    return undefined;
  }
  let entries = 0;
  let refused = false;
  for (const key in node) {
    if (++entries > entriesLimit) return tooMany(Object.keys(node).length, entriesLimit);
    if (key === refusedKey) refused = true;
    const child = (node as Record<string, unknown>)[key];
    if (typeof child === "object" && child !== null) {
      const problem = problemAt(child, depth + 1, depthLimit, entriesLimit);
      if (problem) return within(problem, key);
    }
  }
  return refused ? { at: [refusedKey] } : undefined;
}

const within = (problem: NonNullable<Problem>, segment: string | number): Problem =>
  typeof problem === "string" ? problem : { at: [segment, ...problem.at] };

/** `items[0].spec.selector.__proto__`, as Kubernetes writes field paths. */
const pathText = (at: (string | number)[]) =>
  at.reduce<FieldPath>((path, segment) => (typeof segment === "number" ? path.index(segment) : path.child(segment)), FieldPath.root()).toString();

const tooMany = (count: number, limit: number) => `request body has a list or map of ${count} entries; the limit is ${limit}`;
