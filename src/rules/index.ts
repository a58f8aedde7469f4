import { apiServerRules } from "./apiserver/index.js";
import { objectDecoding } from "../engine/decode.js";
import { exemptionAnnotationCheck } from "../engine/exemption.js";
import type { BuiltInCheck, CheckMetadata, Rule } from "../engine/types.js";
import { disruptionRules } from "./disruption/index.js";
import { statefulSetApiVersion } from "./statefulset/api-version.js";
import { statefulSetRules } from "./statefulset/index.js";
import { storageRules } from "./storage/index.js";

/** Every validation rule; docs, policy schema and tests iterate this registry. */
export const rules: readonly Rule[] = [...statefulSetRules, ...storageRules, ...disruptionRules, ...apiServerRules];

/** Checks the pipeline makes itself; their findings deny, and no policy switches them. */
export const builtInChecks: readonly BuiltInCheck[] = [statefulSetApiVersion, objectDecoding, exemptionAnnotationCheck];

/** Everything that can produce a finding, as docs/rules.md, the README and SARIF list them. */
export const checks: readonly CheckMetadata[] = [...rules, ...builtInChecks];
