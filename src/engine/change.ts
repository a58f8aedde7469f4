/**
 * Changes as data: what a default or a rule's fix does to an object, one field at a time. The webhook's JSON Patch,
 * `stateward mutate`'s YAML edits and `stateward check --fix` are all built from a list of these, so nothing parses a
 * rendered description or a JSON Pointer back.
 */
import { type FieldPath, type PathSegment, renderValue } from "../k8s/field.js";

export interface FieldChange {
  /** The field, from the object's root. */
  path: FieldPath;
  /** Its new value; undefined removes the field. */
  value: unknown;
  /** The id of the default or rule that made the change. */
  by: string;
}

/** A change as a default asks for it: the engine records who made it. */
export type Change = Pick<FieldChange, "path" | "value">;

/** One step into a JSON value: a property name (or map key) or a list index. */
export type Step = string | number;

/** A path segment as a step into the JSON value: a name or map key is a property name. */
export const stepOf = (segment: PathSegment): Step =>
  segment.type === "index" ? segment.index : segment.type === "name" ? segment.name : segment.key;

/** The property names and list indexes that lead from the object's root to the field. */
export function stepsOf(path: FieldPath): Step[] {
  return path.segments.map(stepOf);
}

/**
 * A field's steps (`stepsOf(path)`, or a leading part of them) as an RFC 6901 JSON Pointer, `~` written `~0` and `/`
 * written `~1`: `/metadata/labels/app.kubernetes.io~1name`. The one place a pointer is written.
 */
export function pointerOf(steps: readonly Step[]): string {
  let pointer = "";
  for (const step of steps) pointer += `/${String(step).replaceAll("~", "~0").replaceAll("/", "~1")}`;
  return pointer;
}

/** How a change reads where it is shown: `set spec.podManagementPolicy to "Parallel" [default-pod-management-policy]`. */
export function describeChange(change: FieldChange): string {
  const what = change.value === undefined ? `remove ${change.path}` : `set ${change.path} to ${renderValue(change.value)}`;
  return `${what} [${change.by}]`;
}
