import type { ClusterView } from "../cluster/view.js";
import type { ScopePolicy } from "./types.js";
import type { Finding } from "./finding.js";
import type { FieldError } from "../k8s/field.js";
import type { Operation, DecodedObjects, RuleInput, RuleIssue } from "./types.js";

const defaultOperations: readonly Operation[] = ["CREATE", "UPDATE"];

export interface ValidationResult {
  denials: Finding[];
  warnings: Finding[];
}

type ActiveRules = readonly ScopePolicy["rules"][number][];

/** Each scope's active rules by kind and operation: a policy is fixed once loaded, and every review asked again. */
const activeByScope = new WeakMap<ScopePolicy["rules"], Map<DecodedObjects["kind"], Map<Operation, ActiveRules>>>();

/**
 * The rules the policy has switched on for this kind and operation, in the registry's order. This is the one place
 * that filters rules by kind: each rule's check is typed for the kinds it declares (defineRule) and has no test of its
 * own.
 */
export function activeRules(policy: ScopePolicy, kind: DecodedObjects["kind"], operation: Operation): ActiveRules {
  let byKind = activeByScope.get(policy.rules);
  if (!byKind) activeByScope.set(policy.rules, (byKind = new Map()));
  let byOperation = byKind.get(kind);
  if (!byOperation) byKind.set(kind, (byOperation = new Map()));
  let active = byOperation.get(operation);
  if (!active) {
    active = policy.rules.filter(
      ({ rule, action }) => action !== "off" && rule.kinds.includes(kind) && (rule.operations ?? defaultOperations).includes(operation),
    );
    byOperation.set(operation, active);
  }
  return active;
}

/** Runs every rule the policy has switched on for this kind and operation; findings keep the rules' order. */
export async function validate(
  review: DecodedObjects,
  operation: Operation,
  namespace: string,
  policy: ScopePolicy,
  cluster: ClusterView,
): Promise<ValidationResult> {
  const active = activeRules(policy, review.kind, operation);
  const { kind, object, oldObject } = review;
  // One object literal of one shape per rule (V8 keeps it on its fast path; a spread or Object.assign of `review` cost
  // more than the rules together, bench/).
  const results: Array<RuleIssue[] | Promise<RuleIssue[]>> = [];
  // Only the rules that answered with a promise are awaited: Promise.all over every rule cost a promise and a
  // reaction for each, most of which had answered at once.
  const waiting: number[] = [];
  for (const { rule, params } of active) {
    const result = rule.check({ kind, object, oldObject, operation, namespace, params, cluster } as RuleInput<typeof params>);
    if (result instanceof Promise) waiting.push(results.length);
    results.push(result);
  }
  if (waiting.length > 0) {
    const settled = await Promise.all(waiting.map((i) => results[i]));
    waiting.forEach((at, n) => (results[at] = settled[n]!));
  }
  const denials: Finding[] = [];
  const warnings: Finding[] = [];
  for (let i = 0; i < active.length; i++) {
    const { rule, action } = active[i]!;
    for (const issue of results[i] as RuleIssue[]) {
      const effective = issue.advisory ? "warn" : action;
      const error: FieldError = issue.advisory === undefined ? issue : withoutAdvisory(issue);
      (effective === "deny" ? denials : warnings).push({ ruleId: rule.id, action: effective as "deny" | "warn", error });
    }
  }
  return { denials, warnings };
}

function withoutAdvisory({ advisory: _, ...error }: RuleIssue): FieldError {
  return error;
}
