import type { Rule } from "../../engine/types.js";
import { pvcResize } from "./pvc-resize.js";
import { pvcSelectorProvisioning } from "./pvc-selector-provisioning.js";
import { pvcStatefulSetClaim } from "./pvc-statefulset-claim.js";
import { storageAccessModes } from "./storage-access-modes.js";
import { storageClass } from "./storage-class.js";
import { storageRequest } from "./storage-request.js";

/** Rules on volumeClaimTemplates and PersistentVolumeClaims, in the order their findings are reported. */
export const storageRules: Rule[] = [
  storageClass,
  storageRequest,
  storageAccessModes,
  pvcSelectorProvisioning,
  pvcStatefulSetClaim,
  pvcResize,
];
