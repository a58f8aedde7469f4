/**
 * What the API server accepts of each reviewed kind, in one table keyed by the kind table's reviewed kinds: the same
 * validation functions the parity rules (src/rules/apiserver) and statefulset-immutable-fields report, whole. The
 * mutation guard (engine/mutate.ts) undoes a default whose result fails one of them where the input did not.
 */
import { type FieldError, renderValue } from "../field.js";
import type { ObjectOf, ReviewedKind } from "../kinds.js";
import { validateStatefulSet, validateStatefulSetUpdate } from "./apps.js";
import { validatePersistentVolumeClaim, validatePersistentVolumeClaimUpdate } from "./core.js";
import { validatePodDisruptionBudget } from "./policy.js";

type Validator<K extends ReviewedKind> = (object: ObjectOf<K>, oldObject: ObjectOf<K> | undefined) => FieldError[];

const validators: { [K in ReviewedKind]: Validator<K> } = {
  StatefulSet: (object, old) => (old ? [...validateStatefulSet(object), ...validateStatefulSetUpdate(object, old)] : validateStatefulSet(object)),
  PersistentVolumeClaim: (object, old) => (old ? validatePersistentVolumeClaimUpdate(object, old) : validatePersistentVolumeClaim(object)),
  // policy/v1 budgets are mutable since Kubernetes 1.15: an update is validated as a create.
  PodDisruptionBudget: (object) => validatePodDisruptionBudget(object),
};

/** A reviewed object with the stored object of an UPDATE. */
export type ValidationSubject = { [K in ReviewedKind]: { kind: K; object: ObjectOf<K>; oldObject?: ObjectOf<K> | undefined } }[ReviewedKind];

/** Every error the API server would find in `object` (an update of `oldObject` when there is one). */
export function apiServerErrors(subject: ValidationSubject): FieldError[] {
  const validate = validators[subject.kind] as Validator<ReviewedKind>;
  return validate(subject.object, subject.oldObject as ObjectOf<ReviewedKind> | undefined);
}

/**
 * A key that stays the same while the same fault stands, whatever else changed: the path, type and reason, and the
 * value when it is a scalar (a bad label key or value, reported at the map's path as upstream does). An object value
 * (the template's labels a selector misses) is left out, so a change elsewhere in it is not a new fault.
 */
export function errorKey(error: FieldError): string {
  const value = error.value;
  const scalar = value === null || (typeof value !== "object" && value !== undefined) ? renderValue(value) : "";
  return `${error.path} ${error.type} ${scalar} ${error.detail}`;
}
