/**
 * The one review pipeline: exemption, decoding, then the rules (validate) or the defaults (mutate), for one object.
 * The webhook's handler, `stateward check` and `stateward mutate` are adapters that shape its result for HTTP, for
 * text, JSON or SARIF, and for YAML; none of them repeats a step.
 *
 * @example
 * const result = await runReview(
 *   { mode: "validate", kind: "StatefulSet", object, operation: "CREATE", namespace: "shop" },
 *   { policy, cluster },
 * );
 * if (result.outcome === "findings") console.log(result.denials.map((f) => formatFinding(f)));
 */
import type { Operation as PatchOperation } from "rfc6902";
import type { ClusterView } from "../cluster/view.js";
import type { FieldChange } from "./change.js";
import { FieldPath, invalid } from "../k8s/field.js";
import type { ReviewedKind } from "../k8s/kinds.js";
import { decodeObjects, decodingRuleId } from "./decode.js";
import { applyExemptions, objectExemptions } from "./exemption.js";
import type { ExemptedFinding, Exemption, Finding } from "./finding.js";
import { mutate } from "./mutate.js";
import type { Operation, Policy, UserInfo } from "./types.js";
import { validate } from "./validate.js";

export type ReviewMode = "validate" | "mutate";

/** The request to review one object, as a webhook request or a manifest file presents it. */
export interface ReviewRequest {
  mode: ReviewMode;
  kind: ReviewedKind;
  /** The object as received: decoded here, so a wrongly typed field is reported rather than crashing a rule. */
  object: unknown;
  /** The stored object of an UPDATE. */
  oldObject?: unknown;
  operation: Operation;
  namespace: string;
  user?: UserInfo;
}

export interface ReviewContext {
  policy: Policy;
  /** What the rules may look up; mutation does not use it. */
  cluster: ClusterView;
}

export type ReviewResult =
  /** Nothing was reviewed, and why: an operation that is not reviewed, or an exemption of the policy. */
  | { outcome: "skipped"; reason: string }
  /** The object (or its stored version) does not have the field types of its kind: no rule or default ran. */
  | { outcome: "undecodable"; problems: Finding[] }
  /**
   * Validation: every finding of the rules the scope switches on, denials and warnings each in the rules' order, then
   * the problems of the object's exemption annotations; the findings its exemptions took out are in `exempted`.
   */
  | { outcome: "findings"; denials: Finding[]; warnings: Finding[]; exempted: ExemptedFinding[]; exemptions: Exemption[] }
  /** Mutation: the defaults' patch, undefined when nothing changed. */
  | {
      outcome: "patch";
      patch: PatchOperation[] | undefined;
      /** The object as the defaults left it; read-only, it shares unchanged parts with the original. */
      mutated: unknown;
      applied: string[];
      /** Every change the patch makes, `by` the default that made it (or the annotation's switch); see MutationResult. */
      changes: FieldChange[];
      /** `<default-id> skipped: <reason>`, one per default whose changes were undone. */
      skipped: string[];
      /** Whether the scope asks for every change to be reported as a warning. */
      reportChanges: boolean;
    };

const reviewedOperations: readonly Operation[] = ["CREATE", "UPDATE"];

/** The object is missing altogether: an AdmissionRequest without `object`. */
const missingObject = (): Finding => ({
  ruleId: decodingRuleId,
  action: "deny",
  error: invalid(FieldPath.root("request", "object"), null, "the request carries no object"),
});

export async function runReview(subject: ReviewRequest, context: ReviewContext): Promise<ReviewResult> {
  const { kind, operation, namespace } = subject;
  const { policy } = context;
  if (!reviewedOperations.includes(operation)) return { outcome: "skipped", reason: `${operation} is not reviewed` };
  const exemption = policy.exemption(namespace, subject.user);
  if (exemption) return { outcome: "skipped", reason: exemption };
  if (subject.object === undefined || subject.object === null) return { outcome: "undecodable", problems: [missingObject()] };
  const decoded = decodeObjects(kind, subject.object, subject.oldObject);
  if ("problems" in decoded) return { outcome: "undecodable", problems: decoded.problems };

  const scope = policy.forNamespace(namespace);
  if (subject.mode === "mutate") {
    const { patch, mutated, applied, changes, skipped } = mutate(decoded.review, operation, scope);
    return { outcome: "patch", patch, mutated, applied, changes, skipped, reportChanges: scope.warnings };
  }
  const { exemptions, problems } = objectExemptions(decoded.review.object, scope, policy.objectExemptions);
  const { denials, warnings } = await validate(decoded.review, operation, namespace, scope, context.cluster);
  if (exemptions.length === 0 && problems.length === 0) return { outcome: "findings", denials, warnings, exempted: [], exemptions };
  const deny = applyExemptions(denials, exemptions);
  const warn = applyExemptions(warnings, exemptions);
  return {
    outcome: "findings",
    denials: [...deny.kept, ...problems.filter((p) => p.action === "deny")],
    warnings: [...warn.kept, ...problems.filter((p) => p.action === "warn")],
    exempted: [...deny.exempted, ...warn.exempted],
    exemptions,
  };
}
