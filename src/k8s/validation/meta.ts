/**
 * Object metadata and label selectors as the API server validates them: k8s.io/apimachinery
 * `pkg/apis/meta/v1/validation` (ValidateLabels, ValidateLabelSelector, ValidateLabelSelectorRequirement) and
 * `pkg/api/validation` (ValidateAnnotations, ValidateObjectMeta). Paths and error types are upstream's, quirks
 * included: a bad label key or value is reported at the map itself (`metadata.labels`), not at the key.
 */
import { type FieldError, type FieldPath, forbidden, invalid, required, tooLong } from "../field.js";
import { labelKeyErrors, labelValueErrors } from "../labels.js";
import type { LabelSelector, ObjectMeta } from "../objects.js";

/** ValidateLabels: each key a qualified name, each value a label value; one error per reason, as upstream. */
export function validateLabels(labels: Record<string, string> | null | undefined, path: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  for (const [key, value] of Object.entries(labels ?? {})) {
    for (const reason of labelKeyErrors(key)) errors.push(invalid(path, key, reason));
    for (const reason of labelValueErrors(value)) errors.push(invalid(path, value, reason));
  }
  return errors;
}

/** apimachinery's TotalAnnotationSizeLimitB: keys and values together, in bytes. */
export const totalAnnotationSizeLimit = 256 * 1024;

const encoder = new TextEncoder();
const annotationBytes = (annotations: Record<string, string>) =>
  Object.entries(annotations).reduce((sum, [key, value]) => sum + encoder.encode(key).length + encoder.encode(value).length, 0);

/** ValidateAnnotations: keys are qualified names in any case; all of them together stay under 256 KiB. */
export function validateAnnotations(annotations: Record<string, string> | null | undefined, path: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  let characters = 0;
  for (const [key, value] of Object.entries(annotations ?? {})) {
    for (const reason of labelKeyErrors(key.toLowerCase())) errors.push(invalid(path, key, reason));
    characters += key.length + value.length;
  }
  // A UTF-16 unit takes at most 3 bytes in UTF-8 (a pair of them, 4): only annotations that might pass the limit are
  // encoded to count their bytes.
  if (characters * 3 > totalAnnotationSizeLimit && annotationBytes(annotations!) > totalAnnotationSizeLimit) {
    errors.push(tooLong(path, totalAnnotationSizeLimit));
  }
  return errors;
}

/** ValidateObjectMeta's first check: an object needs a name, or a generateName for the API server to complete. */
export function validateObjectMetaName(metadata: ObjectMeta | null | undefined, path: FieldPath): FieldError[] {
  return metadata?.name || metadata?.generateName ? [] : [required(path.child("name"), "name or generateName is required")];
}

/** The metadata checks of ValidateObjectMeta that no rule of its own covers (names have their own rules). */
export function validateObjectMetaLabels(metadata: ObjectMeta | null | undefined, path: FieldPath): FieldError[] {
  const errors = validateLabels(metadata?.labels, path.child("labels"));
  errors.push(...validateAnnotations(metadata?.annotations, path.child("annotations")));
  return errors;
}

export const selectorOperators = ["In", "NotIn", "Exists", "DoesNotExist"] as const;

/** ValidateLabelSelector with AllowInvalidLabelValueInSelector off, as for a new object. */
export function validateLabelSelector(selector: LabelSelector | null | undefined, path: FieldPath): FieldError[] {
  if (!selector) return [];
  const errors = validateLabels(selector.matchLabels, path.child("matchLabels"));
  (selector.matchExpressions ?? []).forEach((requirement, i) => {
    const at = path.child("matchExpressions").index(i);
    const values = requirement.values ?? [];
    switch (requirement.operator) {
      case "In":
      case "NotIn":
        if (values.length === 0) errors.push(required(at.child("values"), "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case "Exists":
      case "DoesNotExist":
        if (values.length > 0) errors.push(forbidden(at.child("values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errors.push(invalid(at.child("operator"), requirement.operator, `not a valid selector operator; use ${selectorOperators.join(", ")}`));
    }
    for (const reason of labelKeyErrors(requirement.key)) errors.push(invalid(at.child("key"), requirement.key, reason));
    values.forEach((value, v) => {
      for (const reason of labelValueErrors(value)) errors.push(invalid(at.child("values").index(v), value, reason));
    });
  });
  return errors;
}

/** ValidateNonnegativeField, with the int32 range a JSON number must also fit to decode at all. */
export function validateNonNegativeInt32(value: number | null | undefined, path: FieldPath): FieldError[] {
  if (value === null || value === undefined) return [];
  if (!Number.isInteger(value) || value > 2 ** 31 - 1 || value < -(2 ** 31)) {
    return [invalid(path, value, "must be a whole number that fits in 32 bits")];
  }
  return value < 0 ? [invalid(path, value, "must be greater than or equal to 0")] : [];
}
