import type { Rule } from "../../engine/types.js";
import { pdbApiValidation } from "./pdb.js";
import { pvcApiValidation } from "./pvc.js";
import { statefulSetApiValidation } from "./statefulset.js";

/** What the API server itself refuses (src/k8s/validation), as rules; reported after the rules of the other groups. */
export const apiServerRules: Rule[] = [statefulSetApiValidation, pvcApiValidation, pdbApiValidation];
