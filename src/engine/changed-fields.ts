/**
 * Where two JSON values differ, as paths of property names and list indexes, found by comparing them: nothing here
 * builds a path by hand. A path ends at the highest node that differs: a property present on one side only, a value
 * of another type, or a list whose length changed. And the other way: an object with structured changes applied.
 */
import { FieldPath } from "../k8s/field.js";
import { type FieldChange, type Step, stepOf, stepsOf } from "./change.js";
import { cloneJson } from "./clone.js";

export type ChangedField = readonly Step[];

type Container = Record<string, unknown> | unknown[];
const isContainer = (value: unknown): value is Container => typeof value === "object" && value !== null;

export function changedFields(before: unknown, after: unknown): ChangedField[] {
  const out: ChangedField[] = [];
  walk(before, after, [], out);
  return out;
}

/** `at` is one array pushed and popped along the walk (objects can be large); only a difference is copied out. */
function walk(before: unknown, after: unknown, at: Step[], out: ChangedField[]): void {
  if (before === after) return;
  if (!isContainer(before) || !isContainer(after) || Array.isArray(before) !== Array.isArray(after)) {
    out.push([...at]);
    return;
  }
  if (Array.isArray(before)) {
    const list = after as unknown[];
    if (before.length !== list.length) {
      out.push([...at]);
      return;
    }
    for (let i = 0; i < before.length; i++) {
      at.push(i);
      walk(before[i], list[i], at, out);
      at.pop();
    }
    return;
  }
  const from = before as Record<string, unknown>;
  const to = after as Record<string, unknown>;
  for (const key of Object.keys(from)) {
    at.push(key);
    if (!Object.hasOwn(to, key)) out.push([...at]);
    else walk(from[key], to[key], at, out);
    at.pop();
  }
  for (const key of Object.keys(to)) if (!Object.hasOwn(from, key)) out.push([...at, key]);
}

/** The value at `path`, undefined where the path leads nowhere. */
export function valueAt(root: unknown, path: ChangedField): unknown {
  let node = root;
  for (const segment of path) {
    if (!isContainer(node) || !Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<string, unknown>)[segment as string];
  }
  return node;
}

/**
 * The field `inner` leads to from `base`, as Kubernetes renders it: a key of labels or annotations, or any name that is
 * no identifier, as a map key (`metadata.labels[app.kubernetes.io/name]`), an index as `[0]`.
 */
export function pathWithin(base: FieldPath, inner: ChangedField): FieldPath {
  const last = base.segments.at(-1);
  let parent = last && stepOf(last);
  let out = base;
  for (const segment of inner) {
    if (typeof segment === "number") out = out.index(segment);
    else if (parent === "labels" || parent === "annotations" || !/^[A-Za-z0-9_-]+$/.test(segment)) out = out.key(segment);
    else out = out.child(segment);
    parent = segment;
  }
  return out;
}

/**
 * `root` with `changes` applied in order, leaving `root` itself intact: only the containers along the changed paths are
 * copied (shallowly), and missing parents are created, so the result shares every untouched subtree with `root`. A
 * removal deletes the property, or the item of a list. Values are copied in, so later edits of a change's value do not
 * reach the result.
 */
export function withChanges(root: unknown, changes: readonly FieldChange[]): unknown {
  const copies = new Set<unknown>();
  const own = (value: Container): Container => {
    if (copies.has(value)) return value;
    const mine = Array.isArray(value) ? [...value] : { ...value };
    copies.add(mine);
    return mine;
  };
  const top = isContainer(root) ? own(root) : {};
  for (const change of changes) {
    const steps = stepsOf(change.path);
    if (steps.length === 0) continue;
    let node = top;
    for (let i = 0; i < steps.length - 1; i++) {
      const child = (node as Record<string, unknown>)[steps[i] as string];
      const next = isContainer(child) ? own(child) : typeof steps[i + 1] === "number" ? [] : {};
      copies.add(next);
      put(node, steps[i]!, next);
      node = next;
    }
    const last = steps[steps.length - 1]!;
    if (change.value !== undefined) put(node, last, cloneJson(change.value));
    else if (Array.isArray(node) && typeof last === "number") node.splice(last, 1);
    else delete (node as Record<string, unknown>)[last as string];
  }
  return top;
}

/**
 * A copy of `root` in which the containers on the way to each changed field are new (shallow copies), so that a JSON
 * Patch of those fields applied to it leaves `root` intact without cloning all of it.
 */
export function copyAlong(root: unknown, changes: readonly FieldChange[]): unknown {
  if (!isContainer(root)) return root;
  const copies = new Set<unknown>();
  const shallow = (value: Container): Container => {
    const mine = Array.isArray(value) ? [...value] : { ...value };
    copies.add(mine);
    return mine;
  };
  const top = shallow(root);
  for (const change of changes) {
    const steps = stepsOf(change.path);
    let node = top;
    for (const step of steps.slice(0, -1)) {
      let child = (node as Record<string, unknown>)[step as string];
      if (!isContainer(child)) break;
      if (!copies.has(child)) {
        child = shallow(child);
        put(node, step, child);
      }
      node = child as Container;
    }
  }
  return top;
}

/** `node[step] = value`, a `__proto__` key included (JSON.parse makes it an own property, as this does). */
function put(node: Container, step: Step, value: unknown): void {
  if (step === "__proto__") Object.defineProperty(node, step, { value, enumerable: true, writable: true, configurable: true });
  else (node as Record<string, unknown>)[step as string] = value;
}
