import { sameFieldError } from "../../k8s/field.js";
import { advisory, type RuleInput, type RuleIssue } from "../../engine/types.js";
import type { StatefulSet } from "../../k8s/objects.js";

/**
 * For checks of fields the API server makes immutable (names, serviceName): on UPDATE, a finding the old object had
 * already is advisory. The user cannot fix it in place, and denying would block even scaling down or a rollout. The
 * old object's finding is the same when it has the same field, type, value and detail (one check made both).
 */
export function newOnUpdate(
  input: RuleInput<unknown, "StatefulSet">,
  check: (statefulSet: StatefulSet) => RuleIssue[],
): RuleIssue[] {
  const { operation, object, oldObject } = input;
  const issues = check(object);
  if (operation !== "UPDATE" || !oldObject || issues.length === 0) return issues;
  const before = check(oldObject);
  // Each issue is this call's own, so it is marked in place (see advisory()).
  return issues.map((issue) => (before.some((old) => sameFieldError(old, issue)) ? advisory(issue) : issue));
}
