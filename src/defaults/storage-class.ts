import * as z from "zod";
import { defineDefault } from "../engine/types.js";
import { claimsOf } from "../k8s/claims.js";
import { dns1123SubdomainErrors } from "../k8s/names.js";
import { legacyStorageClassAnnotation } from "../k8s/objects.js";
import type { Change } from "../engine/change.js";
import { set } from "./change.js";

export const defaultStorageClass = defineDefault({
  id: "default-storage-class",
  summary:
    "Sets storageClassName of PersistentVolumeClaims and volumeClaimTemplates that name no class to the configured class.",
  kinds: ["StatefulSet", "PersistentVolumeClaim"],
  // A claim's class, like every volumeClaimTemplate field, cannot change after creation.
  operations: ["CREATE"],
  // Switched on, but it does nothing until a policy names the class.
  enabledByDefault: true,
  params: z.object({
    storageClassName: z
      .string()
      .refine((name) => dns1123SubdomainErrors(name).length === 0, "must be a StorageClass name (a DNS-1123 subdomain)")
      .nullable()
      .default(null),
  }),
  apply({ kind, object, params, provenance }) {
    const className = params.storageClassName;
    if (!className) return [];
    const changes: Change[] = [];
    for (const at of claimsOf({ kind, object })) {
      const spec = at.claim.spec;
      // A claim that names its volume or selects volumes by label binds to volumes that exist; a class of ours could
      // keep it from binding to them.
      if (!spec || spec.volumeName || spec.selector) continue;
      if (at.claim.metadata?.annotations?.[legacyStorageClassAnnotation] !== undefined) continue;
      const current = spec.storageClassName;
      if (current === className || current === "") continue;
      if (current != null) {
        // Nothing defaults a template's class, so one there is the user's. A PVC's may come from the
        // DefaultStorageClass admission plugin: only server-side apply or last-applied records can tell.
        if (at.template || provenance.userSet(["spec", "storageClassName"])) continue;
      }
      changes.push(set(at.path.child("spec", "storageClassName"), className));
    }
    return changes;
  },
});
