/**
 * The StatefulSet checks of kubernetes/kubernetes `pkg/apis/apps/validation` (ValidateStatefulSet,
 * ValidateStatefulSetSpec, ValidatePodTemplateSpecForStatefulSet, ValidatePersistentVolumeClaimRetentionPolicy,
 * ValidateStatefulSetUpdate), in parts: `validateStatefulSet` and `validateStatefulSetUpdate` are the whole of what
 * the API server accepts (the mutation guard calls them), and each part is reported by one rule. Parts with a rule of
 * their own: metadata.name (statefulset-name), the selector (statefulset-selector), updateStrategy
 * (statefulset-update-strategy), claim template names (statefulset-claim-template-name), immutable fields on update
 * (statefulset-immutable-fields); statefulset-api-validation reports `validateStatefulSetFields` and
 * `validateClaimTemplates`. The API server checks these after its defaults, so a field its defaults would fill
 * (podManagementPolicy "", whenDeleted "", restartPolicy "", updateStrategy.type "") is not an error here either.
 */
import { duplicate, type FieldError, FieldPath, forbidden, invalid, notSupported, required } from "../field.js";
import { dns1123LabelErrors } from "../names.js";
import type { PersistentVolumeClaim, StatefulSet } from "../objects.js";
import { selectorIsEmpty, selectorMatches } from "../selector.js";
import { apiServerEquality, semanticEqual } from "../semantic.js";
import { validatePersistentVolumeClaimSpec } from "./core.js";
import { validateLabelSelector, validateLabels, validateAnnotations, validateNonNegativeInt32, validateObjectMetaLabels, validateObjectMetaName } from "./meta.js";

export const podManagementPolicies = ["OrderedReady", "Parallel"] as const;
export const retentionPolicyTypes = ["Retain", "Delete"] as const;

const spec = FieldPath.root("spec");

/** The checks of ValidateStatefulSet that no rule of its own covers (statefulset-api-validation reports them). */
export function validateStatefulSetFields(statefulSet: StatefulSet): FieldError[] {
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

/** ValidateStatefulSetName: pods are named <name>-<ordinal>, so the name is a DNS label. */
export function validateStatefulSetName(statefulSet: StatefulSet): FieldError[] {
  const name = statefulSet.metadata?.name;
  return name ? dns1123LabelErrors(name).map((reason) => invalid(FieldPath.root("metadata", "name"), name, reason)) : [];
}

/** The selector's part of ValidateStatefulSetSpec: set, not empty, and selecting the template's labels. */
export function validateStatefulSetSelector(statefulSet: StatefulSet): FieldError[] {
  const selector = statefulSet.spec?.selector;
  if (!selector) return [required(spec.child("selector"), "")];
  if (selectorIsEmpty(selector)) return [invalid(spec.child("selector"), selector, "empty selector is invalid for statefulset")];
  // An invalid selector is reported by validateStatefulSetFields, and upstream then skips the template's checks.
  if (validateLabelSelector(selector, spec.child("selector")).length > 0) return [];
  const labels = statefulSet.spec?.template?.metadata?.labels;
  return selectorMatches(selector, labels)
    ? []
    : [invalid(spec.child("template", "metadata", "labels"), labels ?? {}, "`selector` does not match template `labels`")];
}

export const updateStrategyTypes = ["RollingUpdate", "OnDelete"] as const;

/** The updateStrategy part of ValidateStatefulSetSpec (an empty type is defaulted to RollingUpdate first). */
export function validateStatefulSetUpdateStrategy(statefulSet: StatefulSet): FieldError[] {
  const strategy = statefulSet.spec?.updateStrategy;
  const path = spec.child("updateStrategy");
  const type = strategy?.type || "RollingUpdate";
  const rolling = strategy?.rollingUpdate;
  if (!(updateStrategyTypes as readonly string[]).includes(type)) {
    return [invalid(path, strategy, "must be 'RollingUpdate' or 'OnDelete'")];
  }
  if (type === "OnDelete") {
    return rolling != null ? [invalid(path.child("rollingUpdate"), rolling, "only allowed for updateStrategy 'RollingUpdate'")] : [];
  }
  return validateNonNegativeInt32(rolling?.partition, path.child("rollingUpdate", "partition"));
}

/**
 * Claim template names, as the pods the controller creates are validated: each template becomes a pod volume of its
 * name, which ValidatePodSpec requires to be a unique DNS label (the API server does not check the template itself).
 */
export function validateClaimTemplateNames(statefulSet: StatefulSet): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  (statefulSet.spec?.volumeClaimTemplates ?? []).forEach((template, i) => {
    const path = spec.child("volumeClaimTemplates").index(i).child("metadata", "name");
    const name = template?.metadata?.name;
    if (!name) errors.push(required(path, ""));
    else if (seen.has(name)) errors.push(duplicate(path, name));
    else {
      seen.add(name);
      for (const reason of dns1123LabelErrors(name)) errors.push(invalid(path, name, reason));
    }
  });
  return errors;
}

/** Everything ValidateStatefulSet checks, and what the controller needs to create the pods and their claims. */
export function validateStatefulSet(statefulSet: StatefulSet): FieldError[] {
  return [
    ...validateStatefulSetName(statefulSet),
    ...validateStatefulSetFields(statefulSet),
    ...validateStatefulSetSelector(statefulSet),
    ...validateStatefulSetUpdateStrategy(statefulSet),
    ...validateClaimTemplateNames(statefulSet),
    ...validateClaimTemplates(statefulSet),
  ];
}

/** The spec fields an update may change, in the order ValidateStatefulSetUpdate's message names them. */
export const statefulSetMutableSpecFields = [
  "replicas",
  "ordinals",
  "template",
  "updateStrategy",
  "persistentVolumeClaimRetentionPolicy",
  "minReadySeconds",
] as const;
const mutableSpec = new Set<string>(statefulSetMutableSpecFields);

/** ValidateStatefulSetUpdate's own message. */
export const statefulSetUpdateForbidden = `updates to statefulset spec for fields other than ${statefulSetMutableSpecFields
  .slice(0, -1)
  .map((f) => `'${f}'`)
  .join(", ")} and '${statefulSetMutableSpecFields.at(-1)}' are forbidden`;

/**
 * apps/v1's built-in defaults of the immutable fields, so that an object that was never defaulted (offline, or stored
 * by an old API server) compares equal to its defaulted self. The API server defaults an empty string as a missing field.
 */
const builtinDefaults: Record<string, unknown> = { podManagementPolicy: "OrderedReady", revisionHistoryLimit: 10 };
const defaulted = (field: string, value: unknown): unknown =>
  value === undefined || value === null || value === "" ? builtinDefaults[field] : value;

/**
 * A claim template as the update compares it: its metadata (without creationTimestamp) and spec with volumeMode
 * defaulted. Its apiVersion, kind and status are filled in by the API server and no user intent.
 */
function claimTemplate(template: PersistentVolumeClaim): unknown {
  const { creationTimestamp: _, ...metadata } = (template?.metadata ?? {}) as Record<string, unknown>;
  const claimSpec = (template?.spec ?? {}) as Record<string, unknown>;
  return { metadata, spec: { ...claimSpec, volumeMode: claimSpec.volumeMode ?? "Filesystem" } };
}

/** Upstream reports first what can never change: then the other fields, by name. */
const reportOrder = ["selector", "serviceName", "volumeClaimTemplates", "podManagementPolicy"];
const rank = (field: string) => (reportOrder.includes(field) ? reportOrder.indexOf(field) : reportOrder.length);

/**
 * ValidateStatefulSetUpdate: every spec field but the mutable ones stays as it was, compared as equality.Semantic does.
 * Upstream reports one error at `spec`; this names each field that changed (`spec.serviceName`), in the same words.
 */
export function validateStatefulSetUpdate(statefulSet: StatefulSet, old: StatefulSet): FieldError[] {
  const now = (statefulSet.spec ?? {}) as Record<string, unknown>;
  const before = (old.spec ?? {}) as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(now), ...Object.keys(before)])].filter((field) => !mutableSpec.has(field));
  const changed = fields.filter((field) =>
    field === "volumeClaimTemplates"
      ? !semanticEqual(
          (statefulSet.spec?.volumeClaimTemplates ?? []).map(claimTemplate),
          (old.spec?.volumeClaimTemplates ?? []).map(claimTemplate),
          apiServerEquality,
        )
      : !semanticEqual(defaulted(field, now[field]), defaulted(field, before[field]), apiServerEquality),
  );
  changed.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return changed.map((field) => forbidden(spec.child(field), statefulSetUpdateForbidden));
}
