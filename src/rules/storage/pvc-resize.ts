import * as z from "zod";
import { FieldPath, forbidden } from "../../k8s/field.js";
import { advisory, defineRule } from "../../engine/types.js";
import { claimStorageClass, claimsOf } from "../../k8s/claims.js";
import { parseQuantity } from "../../k8s/quantity.js";
import { validatePersistentVolumeClaimRequestDecrease } from "../../k8s/validation/core.js";

/** The PersistentVolumeClaimResize admission plugin's own wording. */
const resizeUnsupported =
  "only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize";

const storageOf = (value: string | number | undefined) => (value === undefined ? undefined : parseQuantity(value));

export const pvcResize = defineRule({
  id: "pvc-resize",
  summary: "A PVC's storage request never shrinks, and grows only when its StorageClass allows volume expansion.",
  rationale:
    "Volumes cannot shrink, and a request raised on a class without allowVolumeExpansion is refused by the API server " +
    "or never reaches the volume, leaving the claim's spec and its real size apart.",
  fix:
    "To grow, use a StorageClass with allowVolumeExpansion: true. To shrink, create a new, smaller claim and copy the " +
    "data over.",
  kinds: ["PersistentVolumeClaim"],
  operations: ["UPDATE"],
  defaultAction: "deny",
  params: z.object({}),
  async check(input) {
    if (!input.oldObject) return [];
    const path = FieldPath.root("spec", "resources", "requests", "storage");
    const before = storageOf(input.oldObject.spec?.resources?.requests?.storage);
    const after = storageOf(input.object.spec?.resources?.requests?.storage);
    if (before === undefined || after === undefined || after === before) return [];

    if (after < before) {
      // The verdict is the API server's (k8s/validation/core.ts): a request may drop back to above the real capacity,
      // to recover from a failed expansion; the rule adds what to do instead.
      return validatePersistentVolumeClaimRequestDecrease(input.object, input.oldObject).map((error) =>
        forbidden(error.path, `${error.detail}; volumes cannot shrink: copy the data to a new, smaller claim`),
      );
    }

    const cls = claimStorageClass(claimsOf(input)[0]!).name;
    if (!cls) return [forbidden(path, `${resizeUnsupported}; this claim has no StorageClass`)];
    const lookup = await input.cluster.get("StorageClass", "", cls);
    if (lookup.state === "unknown") {
      return [
        advisory(forbidden(path, `resizing needs allowVolumeExpansion on StorageClass ${JSON.stringify(cls)}, which could not be verified: ${lookup.reason}`)),
      ];
    }
    if (lookup.state === "not-found") return [forbidden(path, `${resizeUnsupported}; StorageClass ${JSON.stringify(cls)} does not exist`)];
    if (lookup.value.allowVolumeExpansion !== true) {
      return [forbidden(path, `${resizeUnsupported}; StorageClass ${JSON.stringify(cls)} does not set allowVolumeExpansion: true`)];
    }
    return [];
  },
  cel: { notExported: "it looks up the StorageClass (allowVolumeExpansion); the API server refuses a shrink itself" },
});
