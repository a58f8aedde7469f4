/**
 * The PodDisruptionBudget checks of kubernetes/kubernetes `pkg/apis/policy/validation` (ValidatePodDisruptionBudget,
 * ValidatePodDisruptionBudgetSpec, with apps' ValidatePositiveIntOrPercent and IsNotMoreThan100Percent), for a new
 * policy/v1 budget.
 */
import { type FieldError, FieldPath, invalid, notSupported } from "../field.js";
import type { PodDisruptionBudget } from "../objects.js";
import { validateLabelSelector, validateObjectMetaLabels, validateObjectMetaName } from "./meta.js";

export const unhealthyPodEvictionPolicies = ["AlwaysAllow", "IfHealthyBudget"] as const;

const percent = /^[0-9]+%$/;

/** Why the API server refuses a minAvailable or maxUnavailable value, in its words; empty when it accepts it. */
export function intOrPercentErrors(value: number | string): string[] {
  if (typeof value === "number") return value < 0 ? ["must be greater than or equal to 0"] : [];
  if (!percent.test(value)) {
    return ["a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"];
  }
  return Number(value.slice(0, -1)) > 100 ? ["must not be greater than 100%"] : [];
}

export function validatePodDisruptionBudget(budget: PodDisruptionBudget): FieldError[] {
  const metadata = FieldPath.root("metadata");
  const errors = [...validateObjectMetaName(budget.metadata, metadata), ...validateObjectMetaLabels(budget.metadata, metadata)];
  const spec = budget.spec;
  const path = FieldPath.root("spec");
  if (!spec) return errors;
  const { minAvailable, maxUnavailable, unhealthyPodEvictionPolicy } = spec;
  if (minAvailable !== null && minAvailable !== undefined && maxUnavailable !== null && maxUnavailable !== undefined) {
    errors.push(invalid(path, { minAvailable, maxUnavailable }, "minAvailable and maxUnavailable cannot be both set"));
  }
  for (const field of ["minAvailable", "maxUnavailable"] as const) {
    const value = spec[field];
    if (value === null || value === undefined) continue;
    for (const reason of intOrPercentErrors(value)) errors.push(invalid(path.child(field), value, reason));
  }
  errors.push(...validateLabelSelector(spec.selector, path.child("selector")));
  if (unhealthyPodEvictionPolicy && !(unhealthyPodEvictionPolicies as readonly string[]).includes(unhealthyPodEvictionPolicy)) {
    errors.push(notSupported(path.child("unhealthyPodEvictionPolicy"), unhealthyPodEvictionPolicy, unhealthyPodEvictionPolicies));
  }
  return errors;
}
