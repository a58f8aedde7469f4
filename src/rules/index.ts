import type { Rule } from "../engine/types.js";
import { apiServerRules } from "./apiserver/index.js";
import { statefulSetRules } from "./statefulset/index.js";
import { storageRules } from "./storage/index.js";

/** Every validation rule; docs, policy schema and tests iterate this registry. */
export const rules: readonly Rule[] = [...statefulSetRules, ...storageRules, ...apiServerRules];
