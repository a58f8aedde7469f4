import type { Change } from "../engine/change.js";
import type { FieldPath } from "../k8s/field.js";

/** The change that sets the field at `path` to `value`: `set(FieldPath.root("spec", "podManagementPolicy"), "Parallel")`. */
export const set = (path: FieldPath, value: unknown): Change => ({ path, value });
