/**
 * The webhook's adapter to the review pipeline: from an AdmissionRequest to the ReviewRequest, and from the
 * pipeline's result to an AdmissionResponse. Knows nothing about HTTP.
 */
import { boundedClusterView, type ClusterView } from "../cluster/view.js";
import { type ExemptedFinding, type Finding, formatFinding } from "../engine/finding.js";
import { type ReviewMode, type ReviewResult, runReview } from "../engine/review.js";
import type { Policy } from "../engine/types.js";
import { type AdmissionRequest, type AdmissionResponse, base64Utf8 } from "../k8s/admission.js";
import { kinds, namespaceOr, reviewedKindOf, reviewedKinds } from "../k8s/kinds.js";
import { mutationWarnings, validationWarnings } from "./warnings.js";

export type AdmissionMode = ReviewMode;

/** What the log line of a review records besides the request's own fields. */
export interface ReviewOutcome {
  response: AdmissionResponse;
  decision: "allowed" | "denied" | "patched" | "skipped";
  /** The rules that fired (validate) or the defaults applied (mutate). */
  rules: string[];
  /** The findings behind the answer, with structured paths; empty when no rule ran. */
  findings: Finding[];
  /** The findings the object's own annotations exempted it from, each with its reason; absent when none. */
  exempted?: ExemptedFinding[];
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

/**
 * Errors listed in one denial's message. An object with thousands of faulty entries (200 000 containers fit in the
 * body limit) would otherwise yield a response of tens of megabytes for the API server to carry back. Warnings have
 * their own budget in characters (./warnings.ts).
 */
export const maxReportedFindings = 50;

const ruleIds = (findings: readonly Finding[]) => [...new Set(findings.map((f) => f.ruleId))];

/** Kubernetes' aggregate style: one error alone, several in brackets; past the cap, one closing line counts the rest. */
function denialMessage(kind: string, name: string, denials: readonly Finding[]): string {
  const shown = denials.length <= maxReportedFindings ? denials : denials.slice(0, maxReportedFindings - 1);
  const lines = shown.map((f) => formatFinding(f));
  if (shown.length < denials.length) lines.push(`and ${denials.length - shown.length} more errors not shown`);
  const body = lines.length === 1 ? lines[0] : `[${lines.join(", ")}]`;
  return `${kind} ${JSON.stringify(name)} is invalid: ${body}`;
}

// The responses, as controller-runtime's admission package names them.

function allowed(uid: string, warnings: readonly string[] = []): AdmissionResponse {
  return warnings.length > 0 ? { uid, allowed: true, warnings: [...warnings] } : { uid, allowed: true };
}

function denied(uid: string, message: string, warnings: readonly string[] = []): AdmissionResponse {
  return {
    uid,
    allowed: false,
    status: { code: 403, reason: "Forbidden", message },
    ...(warnings.length > 0 ? { warnings: [...warnings] } : {}),
  };
}

function patched(uid: string, patch: unknown, warnings: readonly string[]): AdmissionResponse {
  // Object.assign, not a spread followed by new keys: see advisory() in ../engine/types.ts.
  return Object.assign(allowed(uid, warnings), { patchType: "JSONPatch" as const, patch: base64Utf8(JSON.stringify(patch)) });
}

const skipped = (uid: string, note: string): ReviewOutcome => ({
  response: allowed(uid),
  decision: "skipped",
  rules: [],
  findings: [],
  note,
});

export async function reviewAdmission(request: AdmissionRequest, mode: AdmissionMode, context: AdmissionContext): Promise<ReviewOutcome> {
  const { uid } = request;
  if (request.subResource) return skipped(uid, `sub-resource ${request.subResource} is not reviewed`);
  const kind = reviewedKindOf(request.kind, request.resource);
  if (!kind) return skipped(uid, "kind is not reviewed");
  const result = await runReview(
    {
      mode,
      kind,
      object: request.object ?? undefined,
      oldObject: request.oldObject ?? undefined,
      operation: request.operation,
      namespace: namespaceOr(request.namespace),
      user: request.userInfo ?? undefined,
    },
    // A slow or broken store must never hold admission past the webhook's timeout.
    { policy: context.policy, cluster: boundedClusterView(context.cluster, context.policy.clusterViewTimeoutMs) },
  );
  return answer(request, mode, kind, result);
}

function answer(request: AdmissionRequest, mode: AdmissionMode, kind: string, result: ReviewResult): ReviewOutcome {
  const { uid } = request;
  const name = (request.object?.metadata as { name?: unknown } | undefined)?.name;
  const displayName = typeof name === "string" ? name : (request.name ?? "");
  switch (result.outcome) {
    case "skipped":
      return skipped(uid, result.reason);
    case "undecodable":
      if (mode === "mutate") {
        return {
          response: allowed(uid, [`Stateward could not read this ${kind} and left it unchanged; /validate will report why`]),
          decision: "allowed",
          rules: [],
          findings: [],
          note: "object not understood",
        };
      }
      return {
        response: denied(uid, denialMessage(kind, displayName, result.problems)),
        decision: "denied",
        rules: ruleIds(result.problems),
        findings: result.problems,
      };
    case "patch": {
      // A skipped default is reported whatever `warnings` says: the user expected a change that did not happen.
      const warnings = mutationWarnings(result.skipped, result.reportChanges ? result.changes : []);
      if (!result.patch) return { response: allowed(uid, warnings), decision: "allowed", rules: [], findings: [] };
      return { response: patched(uid, result.patch, warnings), decision: "patched", rules: result.applied, findings: [] };
    }
    case "findings": {
      const { denials, warnings } = result;
      // The log line keeps every finding (`findings` below); the answer carries what the API server will pass on.
      const warningLines = validationWarnings(warnings, request.object);
      const rules = ruleIds([...denials, ...warnings]);
      const exempted = result.exempted.length > 0 ? { exempted: result.exempted } : {};
      if (denials.length === 0) return { response: allowed(uid, warningLines), decision: "allowed", rules, findings: warnings, ...exempted };
      return {
        response: denied(uid, denialMessage(kind, displayName, denials), warningLines),
        decision: "denied",
        rules,
        findings: [...denials, ...warnings],
        ...exempted,
      };
    }
  }
}
