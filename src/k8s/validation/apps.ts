/**
 * The StatefulSet checks of kubernetes/kubernetes `pkg/apis/apps/validation` (ValidateStatefulSet,
 * ValidateStatefulSetSpec, ValidatePodTemplateSpecForStatefulSet, ValidatePersistentVolumeClaimRetentionPolicy, and
 * ValidateStatefulSetUpdate, which runs the same spec checks again) that no rule of its own covers. Those that do:
 * metadata.name (statefulset-name), a missing or empty selector and a selector that misses the template's labels
 * (statefulset-selector), updateStrategy (statefulset-update-strategy), immutable fields on update
 * (statefulset-immutable-fields). The API server checks these after its defaults, so a field its defaults would fill
 * (podManagementPolicy "", whenDeleted "", restartPolicy "") is not an error here either.
 */
import { type FieldError, FieldPath, forbidden, invalid, notSupported } from "../field.js";
import type { StatefulSet } from "../objects.js";
import { validatePersistentVolumeClaimSpec } from "./core.js";
import { validateLabelSelector, validateLabels, validateAnnotations, validateNonNegativeInt32, validateObjectMetaLabels, validateObjectMetaName } from "./meta.js";

export const podManagementPolicies = ["OrderedReady", "Parallel"] as const;
export const retentionPolicyTypes = ["Retain", "Delete"] as const;

const spec = FieldPath.root("spec");

export function validateStatefulSet(statefulSet: StatefulSet): FieldError[] {
  const s = statefulSet.spec;
  const errors: FieldError[] = validateObjectMetaName(statefulSet.metadata, FieldPath.root("metadata"));
  errors.push(...validateObjectMetaLabels(statefulSet.metadata, FieldPath.root("metadata")));

  const policy = s?.podManagementPolicy;
  if (policy && !(podManagementPolicies as readonly string[]).includes(policy)) {
    errors.push(invalid(spec.child("podManagementPolicy"), policy, "must be 'OrderedReady' or 'Parallel'"));
  }

  const retention = s?.persistentVolumeClaimRetentionPolicy;
  for (const when of ["whenDeleted", "whenScaled"] as const) {
    const value = retention?.[when];
    if (value && !(retentionPolicyTypes as readonly string[]).includes(value)) {
      errors.push(notSupported(spec.child("persistentVolumeClaimRetentionPolicy", when), value, retentionPolicyTypes));
    }
  }

  errors.push(...validateNonNegativeInt32(s?.replicas, spec.child("replicas")));
  errors.push(...validateNonNegativeInt32(s?.minReadySeconds, spec.child("minReadySeconds")));
  errors.push(...validateNonNegativeInt32(s?.ordinals?.start, spec.child("ordinals", "start")));

  const template = s?.template;
  const selectorErrors = validateLabelSelector(s?.selector, spec.child("selector"));
  if (selectorErrors.length > 0) {
    // LabelSelectorAsSelector fails on the same faults and upstream reports that too, at the selector itself; it then
    // skips the template's checks (ValidatePodTemplateSpecForStatefulSet), and so does this.
    errors.push(...selectorErrors, invalid(spec.child("selector"), s?.selector, "not a valid label selector"));
  } else {
    // Upstream validates the template's labels and annotations at `spec.template.labels` and `.annotations`, one
    // level above where they live (fldPath.Child("labels") on the template path); kept so the paths match.
    errors.push(...validateLabels(template?.metadata?.labels, spec.child("template", "labels")));
    errors.push(...validateAnnotations(template?.metadata?.annotations, spec.child("template", "annotations")));
  }

  const podSpec = template?.spec as { restartPolicy?: unknown; activeDeadlineSeconds?: unknown } | null | undefined;
  if (podSpec?.restartPolicy && podSpec.restartPolicy !== "Always") {
    errors.push(notSupported(spec.child("template", "spec", "restartPolicy"), podSpec.restartPolicy, ["Always"]));
  }
  if (podSpec?.activeDeadlineSeconds !== undefined && podSpec.activeDeadlineSeconds !== null) {
    errors.push(forbidden(spec.child("template", "spec", "activeDeadlineSeconds"), "activeDeadlineSeconds in StatefulSet is not Supported"));
  }
  return errors;
}

/**
 * The API server does not validate claim templates, but the StatefulSet controller creates each pod's PVC from one,
 * and that create runs ValidatePersistentVolumeClaim: a template it would refuse leaves every pod Pending. Their
 * metadata labels and annotations, storageClassName, volumeMode and selector are judged here, at the template's path.
 */
export function validateClaimTemplates(statefulSet: StatefulSet): FieldError[] {
  return (statefulSet.spec?.volumeClaimTemplates ?? []).flatMap((template, i) => {
    const at = spec.child("volumeClaimTemplates").index(i);
    return [
      ...validateObjectMetaLabels(template.metadata, at.child("metadata")),
      ...validatePersistentVolumeClaimSpec(template.spec, at.child("spec")),
    ];
  });
}
