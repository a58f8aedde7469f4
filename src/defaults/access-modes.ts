import * as z from "zod";
import { defineDefault } from "../engine/types.js";
import { claimsOf } from "../k8s/claims.js";
import { set } from "./change.js";

const accessMode = z.enum(["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"]);

export const defaultAccessModes = defineDefault({
  id: "default-access-modes",
  summary: "Sets accessModes of PersistentVolumeClaims and volumeClaimTemplates that have none to the configured modes.",
  kinds: ["StatefulSet", "PersistentVolumeClaim"],
  // A claim's access modes, like every volumeClaimTemplate field, cannot change after creation.
  operations: ["CREATE"],
  enabledByDefault: true,
  params: z.object({
    accessModes: z
      .array(accessMode)
      .min(1)
      .refine((modes) => new Set(modes).size === modes.length, "must not repeat a mode")
      .refine(
        (modes) => !modes.includes("ReadWriteOncePod") || modes.length === 1,
        "ReadWriteOncePod may not be combined with other access modes",
      )
      .default(["ReadWriteOnce"]),
  }),
  apply({ kind, object, params }) {
    // The API server never defaults accessModes, so a claim that has some got them from the user.
    return claimsOf({ kind, object })
      .filter((at) => at.claim.spec && (at.claim.spec.accessModes?.length ?? 0) === 0)
      .map((at) => set(at.path.child("spec", "accessModes"), params.accessModes));
  },
});
