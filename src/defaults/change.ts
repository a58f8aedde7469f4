import { type FieldPath, renderValue } from "../k8s/field.js";

/** How a default describes one change: `set spec.podManagementPolicy to "Parallel"`. */
export const setTo = (path: FieldPath, value: unknown): string => `set ${path} to ${renderValue(value)}`;
