import * as z from "zod";
import { defineRule } from "../../engine/types.js";
import { validateClaimTemplates, validateStatefulSetFields } from "../../k8s/validation/apps.js";

export const statefulSetApiValidation = defineRule({
  id: "statefulset-api-validation",
  summary:
    "The StatefulSet passes the API server's own validation: non-negative replicas, minReadySeconds and ordinals.start; podManagementPolicy and retention policy values; label and annotation keys and values; selector operators; restartPolicy Always; and claim templates the controller can create PVCs from.",
  rationale:
    "kubectl apply would be refused for these (kubernetes/kubernetes pkg/apis/apps/validation: ValidateStatefulSet, ValidateStatefulSetSpec, ValidatePodTemplateSpecForStatefulSet, ValidatePersistentVolumeClaimRetentionPolicy, ValidateStatefulSetUpdate; apimachinery ValidateLabels, ValidateAnnotations, ValidateLabelSelector), so a check that passes them lets a CI run go green before a deploy that fails. Claim templates are not validated by the API server, but each pod's PVC is (pkg/apis/core/validation ValidatePersistentVolumeClaim), so a template with a storageClassName that is not a DNS subdomain (Fast_SSD) or an unknown volumeMode leaves every pod Pending. Findings carry the API server's own field paths and error types, including its quirks (a bad label key is reported at metadata.labels, the template's labels at spec.template.labels). In a cluster the API server refuses these before any validating webhook runs; the rule matters for stateward check and for checking what /mutate returns.",
  fix: "Correct the field the finding names: counts are whole numbers from 0; podManagementPolicy is OrderedReady or Parallel; whenDeleted and whenScaled are Retain or Delete; label keys are [prefix/]name with name at most 63 alphanumerics, '-', '_' or '.'; selector operators are In, NotIn, Exists or DoesNotExist; storageClassName is lowercase letters, digits, '-' and '.' (fast-ssd, not Fast_SSD); volumeMode is Filesystem or Block.",
  kinds: ["StatefulSet"],
  defaultAction: "deny",
  params: z.object({}),
  check({ object }) {
    return [...validateStatefulSetFields(object), ...validateClaimTemplates(object)];
  },
  cel: { notExported: "the API server refuses what it finds itself, before any admission policy runs" },
});
