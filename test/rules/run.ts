/**
 * What every rule test runs: the whole engine under a policy, keeping one rule's findings. The rule is named by its
 * registry id; an id the registry does not hold throws, so a typo cannot make `toEqual(none)` pass without a rule.
 */
import type { ClusterView } from "../../src/cluster/view.js";
import type { Finding } from "../../src/engine/finding.js";
import type { Operation, DecodedObjects, ScopePolicy } from "../../src/engine/types.js";
import { validate } from "../../src/engine/validate.js";
import { buildPolicy } from "../../src/policy/policy.js";
import { rules } from "../../src/rules/index.js";

const registered = new Set(rules.map((rule) => rule.id));

/** Throws on an id that is not in the rule registry. */
export function knownRuleId(ruleId: string): string {
  if (!registered.has(ruleId)) throw new Error(`no rule ${JSON.stringify(ruleId)} in the registry`);
  return ruleId;
}

// Building a policy compiles every rule's and default's schema: the built-in one is built once for all tests.
let builtIn: ReturnType<typeof buildPolicy> | undefined;

/** The scope of `document` for `namespace`; no document means the built-in defaults. */
export function scopeOf(document: unknown, namespace: string): ScopePolicy {
  if (document !== undefined) return buildPolicy(document).forNamespace(namespace);
  builtIn ??= buildPolicy({});
  return builtIn.forNamespace(namespace);
}

export interface EngineRun {
  subject: DecodedObjects;
  operation?: Operation;
  namespace: string;
  policy?: unknown;
  cluster: ClusterView;
}

/** Every finding of one review, denials first, in the registry's order within each. */
export async function engineFindings(run: EngineRun): Promise<Finding[]> {
  const { denials, warnings } = await validate(
    run.subject,
    run.operation ?? (run.subject.oldObject ? "UPDATE" : "CREATE"),
    run.namespace,
    scopeOf(run.policy, run.namespace),
    run.cluster,
  );
  return [...denials, ...warnings];
}

/** The findings of rule `ruleId`, which must be in the registry. */
export function findingsOf(ruleId: string, findings: readonly Finding[]): Finding[] {
  knownRuleId(ruleId);
  return findings.filter((f) => f.ruleId === ruleId);
}
