import type { ClusterView } from "../cluster/view.js";
import type { ScopePolicy } from "./types.js";
import type { Finding } from "./finding.js";
import type { Operation, Review } from "./types.js";

const defaultOperations: readonly Operation[] = ["CREATE", "UPDATE"];

export interface ValidationResult {
  denials: Finding[];
  warnings: Finding[];
}

/** The rules the policy has switched on for this kind and operation, in the registry's order. */
export function activeRules(policy: ScopePolicy, kind: Review["kind"], operation: Operation): ScopePolicy["rules"] {
  return policy.rules.filter(
    ({ rule, action }) => action !== "off" && rule.kinds.includes(kind) && (rule.operations ?? defaultOperations).includes(operation),
  );
}

/** Runs every rule the policy has switched on for this kind and operation; findings keep the rules' order. */
export async function validate(
  review: Review,
  operation: Operation,
  namespace: string,
  policy: ScopePolicy,
  cluster: ClusterView,
): Promise<ValidationResult> {
  const active = activeRules(policy, review.kind, operation);
  // Object.assign rather than a spread: V8 takes a slow path for `{ ...review, ... }`, and it cost more than all the
  // rules together (bench/: 50 µs of a small review's 60). Its type, context & Review, is the rules' input as it is.
  const results = await Promise.all(
    active.map(({ rule, params }) => rule.check(Object.assign({ operation, namespace, params, cluster }, review))),
  );
  const denials: Finding[] = [];
  const warnings: Finding[] = [];
  results.forEach((issues, i) => {
    const { rule, action } = active[i]!;
    for (const { advisory, ...error } of issues) {
      const effective = advisory ? "warn" : action;
      (effective === "deny" ? denials : warnings).push({ ruleId: rule.id, action: effective as "deny" | "warn", error });
    }
  });
  return { denials, warnings };
}
