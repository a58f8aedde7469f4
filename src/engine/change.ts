/**
 * Changes as data: what a default or a rule's fix does to an object, one field at a time. The webhook's JSON Patch,
 * `stateward mutate`'s YAML edits and `stateward check --fix` are all built from a list of these, so nothing parses a
 * rendered description or a JSON Pointer back.
 */
import type { FieldPath } from "../k8s/field.js";

export interface FieldChange {
  /** The field, from the object's root. */
  path: FieldPath;
  /** Its new value; undefined removes the field. */
  value: unknown;
  /** The id of the default or rule that made the change. */
  by: string;
}
