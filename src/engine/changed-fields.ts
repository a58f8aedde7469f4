/**
 * Where two JSON values differ, as paths of property names and list indexes, found by comparing them: nothing here
 * builds a path by hand. A path ends at the highest node that differs: a property present on one side only, a value
 * of another type, or a list whose length changed.
 */
import { FieldPath } from "../k8s/field.js";

export type Segment = string | number;
export type ChangedField = readonly Segment[];

type Container = Record<string, unknown> | unknown[];
const isContainer = (value: unknown): value is Container => typeof value === "object" && value !== null;

export function changedFields(before: unknown, after: unknown): ChangedField[] {
  const out: ChangedField[] = [];
  walk(before, after, [], out);
  return out;
}

/** `at` is one array pushed and popped along the walk (objects can be large); only a difference is copied out. */
function walk(before: unknown, after: unknown, at: Segment[], out: ChangedField[]): void {
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
 * Makes `target` hold at `path` what `source` holds there (a copy made by `copy`), or nothing where `source` has
 * nothing. The parent of `path` exists in both, as it does for every path `changedFields` returns.
 */
export function copyField(source: unknown, target: unknown, path: ChangedField, copy: <T>(value: T) => T): void {
  if (path.length === 0) return;
  const parent = valueAt(target, path.slice(0, -1));
  if (!isContainer(parent)) return;
  const last = path[path.length - 1]!;
  const value = valueAt(source, path);
  const sourceParent = valueAt(source, path.slice(0, -1));
  if (isContainer(sourceParent) && Object.hasOwn(sourceParent, last)) {
    (parent as Record<string, unknown>)[last as string] = copy(value);
  } else {
    delete (parent as Record<string, unknown>)[last as string];
  }
}

/** Kubernetes' rendering: `spec.template.metadata.labels[app.kubernetes.io/name]`, `spec.volumeClaimTemplates[0]`. */
export function fieldPathOf(path: ChangedField): FieldPath {
  let out = FieldPath.root();
  path.forEach((segment, i) => {
    const parent = path[i - 1];
    if (typeof segment === "number") out = out.index(segment);
    else if (parent === "labels" || parent === "annotations" || !/^[A-Za-z0-9_-]+$/.test(segment)) out = out.key(segment);
    else out = out.child(segment);
  });
  return out;
}

/**
 * `target` with the values `source` holds at `fields` (copies made by `copy`), leaving `target` itself intact: only the
 * containers along those paths are copied, and `owned` remembers them, so a later call writes into them directly.
 */
export function withFields(
  target: unknown,
  source: unknown,
  fields: readonly ChangedField[],
  owned: Set<unknown>,
  copy: <T>(value: T) => T,
): unknown {
  const own = (value: unknown): unknown => {
    if (!isContainer(value) || owned.has(value)) return value;
    const mine = Array.isArray(value) ? [...value] : { ...value };
    owned.add(mine);
    return mine;
  };
  const root = own(target);
  for (const field of fields) {
    let node = root as Record<string, unknown>;
    for (const segment of field.slice(0, -1)) {
      const child = own(node[segment as string]);
      if (!isContainer(child)) break;
      node[segment as string] = child;
      node = child as Record<string, unknown>;
    }
    if (field.length > 0) copyField(source, root, field, copy);
  }
  return root;
}
