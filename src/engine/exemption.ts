/**
 * Per-object exemptions: an annotation `stateward.dev/ignore-<rule-id>: "<reason>"` on the object takes that rule's
 * findings out of the answer, and the review records each one with its reason (never silently). One annotation per
 * rule, so every exemption carries its own reason; kube-linter's `ignore-check.kube-linter.io/<check>` and Polaris's
 * `polaris.fairwinds.com/<check>-exempt` are the same shape.
 *
 * The annotations themselves are judged by the built-in check `exemption-annotation`: an empty reason or one a policy
 * forbids (a deny rule under `exemptions.denyRules: false`) is a denial and exempts nothing; a rule id Stateward does not
 * know, or a check no annotation can exempt, is a warning with the name it most likely meant.
 */
import { FieldPath, forbidden, invalid, notFound, required } from "../k8s/field.js";
import { closestName } from "../k8s/names.js";
import type { ExemptedFinding, Exemption, Finding } from "./finding.js";
import type { BuiltInCheck, ObjectExemptionPolicy, ScopePolicy } from "./types.js";

export const exemptionAnnotationPrefix = "stateward.dev/ignore-";

/** The list form other tools read (kube-score's `kube-score/ignore: a,b`): not read here, since it has no reason per rule. */
const listAnnotation = "stateward.dev/ignore";

/** The annotation that exempts an object from `ruleId`. */
export const exemptionAnnotation = (ruleId: string) => `${exemptionAnnotationPrefix}${ruleId}`;

export const exemptionAnnotationCheck: BuiltInCheck = {
  id: "exemption-annotation",
  summary: `Each \`${exemptionAnnotationPrefix}*\` annotation names a rule, gives its reason, and is one the policy allows.`,
  rationale:
    "An exemption without a reason cannot be reviewed later, and a misspelt rule id exempts nothing while its author believes otherwise. A missing reason, or an exemption the policy forbids, denies; an unknown rule id, or a check no annotation exempts from, is a warning, since that annotation does nothing.",
  fix: `Write the reason as the annotation's value (\`${exemptionAnnotationPrefix}storage-class: "the operator sets it"\`), spell the rule id as \`stateward rules\` lists it, or fix the finding instead of exempting it where the policy forbids that.`,
  kinds: ["StatefulSet", "PersistentVolumeClaim", "PodDisruptionBudget"],
  defaultAction: "deny",
  runs: "always",
};

export interface ObjectExemptions {
  /** The exemptions in force, in the annotations' order. */
  exemptions: Exemption[];
  /** What is wrong with the annotations: denials and warnings of `exemption-annotation`. */
  problems: Finding[];
}

const maxGuessedLength = 63;

const noExemptions: ObjectExemptions = { exemptions: [], problems: [] };

/** The exemptions an object's annotations ask for, judged against the scope's rules and the policy. */
export function objectExemptions(object: unknown, scope: ScopePolicy, policy: ObjectExemptionPolicy): ObjectExemptions {
  const annotations = (object as { metadata?: { annotations?: Record<string, string> | null } | null }).metadata?.annotations;
  if (!annotations) return noExemptions;
  let found: ObjectExemptions | undefined;
  for (const [annotation, value] of Object.entries(annotations)) {
    if (annotation === listAnnotation) {
      found ??= { exemptions: [], problems: [] };
      const ids = value.split(",").map((id) => id.trim()).filter(Boolean);
      const instead = ids.length > 0 ? ids.map((id) => `${exemptionAnnotation(id)}: "<reason>"`).join(", ") : `${exemptionAnnotationPrefix}<rule-id>: "<reason>"`;
      const path = FieldPath.root("metadata", "annotations").key(annotation);
      found.problems.push({ ruleId: exemptionAnnotationCheck.id, action: "warn", error: invalid(path, value, `exempts nothing: write one annotation per rule with its reason, ${instead}`) });
      continue;
    }
    if (!annotation.startsWith(exemptionAnnotationPrefix)) continue;
    found ??= { exemptions: [], problems: [] };
    const ruleId = annotation.slice(exemptionAnnotationPrefix.length);
    const path = FieldPath.root("metadata", "annotations").key(annotation);
    const problem = (action: Finding["action"], error: Finding["error"]) =>
      found!.problems.push({ ruleId: exemptionAnnotationCheck.id, action, error });
    const unexemptable = policy.unexemptable.get(ruleId);
    if (unexemptable !== undefined) {
      problem("warn", forbidden(path, `${ruleId} cannot be exempted: ${unexemptable}`));
      continue;
    }
    const resolved = scope.rules.find(({ rule }) => rule.id === ruleId);
    if (!resolved) {
      // An annotation's name holds at most 63 characters (the API server refuses longer ones); a longer one sent to the
      // webhook directly gets no guess, which would cost an edit distance over its whole length per rule.
      const meant = ruleId.length <= maxGuessedLength ? closestName(ruleId, scope.rules.map(({ rule }) => rule.id)) : undefined;
      problem("warn", notFound(path, ruleId, `no rule has this id, so this exempts nothing${meant ? ` (did you mean ${exemptionAnnotation(meant)}?)` : ""}`));
      continue;
    }
    if (value.trim() === "") {
      problem("deny", required(path, `an exemption needs its reason as the annotation's value, e.g. ${annotation}: "why this object may ignore the rule"`));
      continue;
    }
    if (resolved.action === "deny" && !policy.denyRules) {
      problem("deny", forbidden(path, `${ruleId} denies in this namespace and the policy forbids exempting an object from a deny rule (exemptions.denyRules: false)`));
      continue;
    }
    found.exemptions.push({ ruleId, annotation, reason: value.trim() });
  }
  return found ?? noExemptions;
}

/** Findings split into those that stand and those an exemption takes out, each with its exemption. */
export function applyExemptions(findings: readonly Finding[], exemptions: readonly Exemption[]): { kept: Finding[]; exempted: ExemptedFinding[] } {
  if (exemptions.length === 0) return { kept: findings as Finding[], exempted: [] };
  const kept: Finding[] = [];
  const exempted: ExemptedFinding[] = [];
  for (const finding of findings) {
    const exemption = exemptions.find((e) => e.ruleId === finding.ruleId);
    if (exemption) exempted.push({ ...finding, exemption });
    else kept.push(finding);
  }
  return { kept, exempted };
}
