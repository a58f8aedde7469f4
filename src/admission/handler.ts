/**
 * From an AdmissionRequest to an AdmissionResponse: dispatch by kind, exemptions, object decoding, then the pure
 * engine. Knows nothing about HTTP.
 */
import { boundedClusterView, type ClusterView } from "../cluster/view.js";
import { FieldPath, invalid } from "../engine/field.js";
import { type Finding, formatFinding, maxWarningLength } from "../engine/finding.js";
import { decodeObject, decodingRuleId } from "../engine/decode.js";
import { mutate } from "../engine/mutate.js";
import type { Review } from "../engine/types.js";
import { validate } from "../engine/validate.js";
import { kinds, reviewedKindOf, reviewedKinds } from "../k8s/kinds.js";
import type { Policy } from "../policy/policy.js";
import { type AdmissionRequest, type AdmissionResponse, base64Utf8 } from "./review.js";

export type AdmissionMode = "validate" | "mutate";

/** What the log line of a review records besides the request's own fields. */
export interface ReviewOutcome {
  response: AdmissionResponse;
  decision: "allowed" | "denied" | "patched" | "skipped";
  /** The rules that fired (validate) or the defaults applied (mutate). */
  rules: string[];
  /** The findings behind the answer, with structured paths; empty when no rule ran. */
  findings: Finding[];
  note?: string;
}

export interface AdmissionContext {
  policy: Policy;
  cluster: ClusterView;
}

/** The kinds and resources the admission handlers serve; the webhook registrations in k8s/ are checked against it. */
export const handledResources = reviewedKinds.map((kind) => {
  const { group, version, resource } = kinds[kind];
  return { group, version, resource, kind };
});

const allow = (uid: string, warnings?: string[]): AdmissionResponse =>
  warnings && warnings.length > 0 ? { uid, allowed: true, warnings } : { uid, allowed: true };

function skipped(uid: string, note: string): ReviewOutcome {
  return { response: allow(uid), decision: "skipped", rules: [], findings: [], note };
}

/**
 * Findings reported in one response. An object with thousands of faulty entries (200 000 containers without a probe
 * fit in the body limit) would otherwise yield a response of tens of megabytes for the API server to carry back.
 */
export const maxReportedFindings = 50;

/** The first findings, formatted, and one closing line counting the rest. */
function reported<T>(items: readonly T[], format: (item: T) => string, what: string): string[] {
  if (items.length <= maxReportedFindings) return items.map(format);
  const shown = items.slice(0, maxReportedFindings - 1).map(format);
  return [...shown, `and ${items.length - shown.length} more ${what} not shown`];
}

/** Kubernetes' aggregate style: one error alone, several in brackets. */
function denialMessage(kind: string, name: string, denials: readonly Finding[]): string {
  const lines = reported(denials, (f) => formatFinding(f), "errors");
  const body = lines.length === 1 ? lines[0] : `[${lines.join(", ")}]`;
  return `${kind} ${JSON.stringify(name)} is invalid: ${body}`;
}

export async function review(request: AdmissionRequest, mode: AdmissionMode, context: AdmissionContext): Promise<ReviewOutcome> {
  const { uid } = request;
  if (request.subResource) return skipped(uid, `sub-resource ${request.subResource} is not reviewed`);
  if (request.operation !== "CREATE" && request.operation !== "UPDATE") {
    return skipped(uid, `${request.operation} is not reviewed`);
  }
  const kind = reviewedKindOf(request.kind, request.resource);
  if (!kind) return skipped(uid, "kind is not reviewed");
  const namespace = request.namespace || "default";
  const exemption = context.policy.exemption(namespace, request.userInfo ?? undefined);
  if (exemption) return skipped(uid, exemption);
  if (!request.object) {
    return mode === "validate"
      ? deny(uid, kind, request.name ?? "", [
          { ruleId: decodingRuleId, action: "deny", error: invalid(FieldPath.root("request", "object"), null, "the request carries no object") },
        ])
      : { response: allow(uid, ["Stateward could not default an object it did not receive"]), decision: "allowed", rules: [], findings: [] };
  }

  const decoded = decodeObject(kind, request.object);
  const oldDecoded = request.oldObject ? decodeObject(kind, request.oldObject) : { object: undefined, problems: [] };
  const name = (request.object.metadata as { name?: unknown } | undefined)?.name;
  const displayName = typeof name === "string" ? name : (request.name ?? "");
  if (decoded.problems.length > 0 || oldDecoded.problems.length > 0) {
    if (mode === "mutate") {
      return {
        response: allow(uid, [`Stateward could not read this ${kind} and left it unchanged; /validate will report why`]),
        decision: "allowed",
        rules: [],
        findings: [],
        note: "object not understood",
      };
    }
    return deny(uid, kind, displayName, decoded.problems.length > 0 ? decoded.problems : oldDecoded.problems);
  }

  const subject = { kind, object: decoded.object, oldObject: oldDecoded.object } as Review;
  const scope = context.policy.forNamespace(namespace);
  if (mode === "mutate") {
    const result = mutate(subject, request.operation, scope);
    // A skipped default is reported whatever `warnings` says: the user expected a change that did not happen.
    const notes = [...result.skipped, ...(scope.warnings ? result.changes : [])];
    const warnings = reported(notes, clipWarning, "changes");
    if (!result.patch) return { response: allow(uid, warnings), decision: "allowed", rules: [], findings: [] };
    return {
      response: {
        ...allow(uid, warnings),
        patchType: "JSONPatch",
        patch: base64Utf8(JSON.stringify(result.patch)),
      },
      decision: "patched",
      rules: result.applied,
      findings: [],
    };
  }

  const cluster = boundedClusterView(context.cluster, context.policy.clusterViewTimeoutMs);
  const { denials, warnings } = await validate(subject, request.operation, namespace, scope, cluster);
  const warningLines = reported(warnings, (f) => formatFinding(f, maxWarningLength), "warnings");
  const fired = [...new Set([...denials, ...warnings].map((f) => f.ruleId))];
  if (denials.length > 0) {
    const outcome = deny(uid, kind, displayName, denials);
    if (warningLines.length > 0) outcome.response.warnings = warningLines;
    outcome.rules = fired;
    outcome.findings = [...denials, ...warnings];
    return outcome;
  }
  return { response: allow(uid, warningLines), decision: "allowed", rules: fired, findings: warnings };
}

function clipWarning(text: string): string {
  return text.length > maxWarningLength ? `${text.slice(0, maxWarningLength - 3)}...` : text;
}

function deny(uid: string, kind: string, name: string, denials: Finding[]): ReviewOutcome {
  return {
    response: {
      uid,
      allowed: false,
      status: { code: 403, reason: "Forbidden", message: denialMessage(kind, name, denials) },
    },
    decision: "denied",
    rules: [...new Set(denials.map((f) => f.ruleId))],
    findings: denials,
  };
}
