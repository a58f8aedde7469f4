import * as z from "zod";
import { defineRule } from "../../engine/types.js";
import { validatePersistentVolumeClaim, validatePersistentVolumeClaimImmutability } from "../../k8s/validation/core.js";

export const pvcApiValidation = defineRule({
  id: "pvc-api-validation",
  summary:
    "The PersistentVolumeClaim passes the API server's own validation: a DNS-subdomain name and storageClassName, a known volumeMode, valid labels, annotations and selector; on UPDATE, no change to what is immutable (access modes, volume mode, class, selector).",
  rationale:
    "kubectl apply would be refused for these (kubernetes/kubernetes pkg/apis/core/validation: ValidatePersistentVolumeClaim, ValidatePersistentVolumeClaimSpec, ValidatePersistentVolumeClaimUpdate; apimachinery ValidateLabels, ValidateAnnotations, ValidateLabelSelector), so a check that passes them lets a CI run go green before a deploy that fails. A claim's spec is fixed once created, except a bound claim's storage request (see pvc-resize), volumeAttributesClassName (never back to unset), volumeName once, and a class set where there was none; upstream reports every other change once at spec, Stateward names the fields. In a cluster the API server refuses these before any validating webhook runs; the rule matters for stateward check and for checking what /mutate returns.",
  fix: "Use a storageClassName of lowercase letters, digits, '-' and '.' (fast-ssd, not Fast_SSD) and volumeMode Filesystem or Block. To change an existing claim's access modes, volume mode or class, create a new PVC and copy the data (or restore a VolumeSnapshot into it).",
  kinds: ["PersistentVolumeClaim"],
  defaultAction: "deny",
  params: z.object({}),
  check({ object, oldObject, operation }) {
    const errors = validatePersistentVolumeClaim(object);
    if (operation === "UPDATE" && oldObject) errors.push(...validatePersistentVolumeClaimImmutability(object, oldObject));
    return errors;
  },
  cel: { notExported: "the API server refuses what it finds itself, before any admission policy runs" },
});
