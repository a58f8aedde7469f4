/**
 * /validate and /mutate: the body's text to the admission handler and its answer back, with one log line and one
 * telemetry event per review.
 */
import { type AdmissionContext, type AdmissionMode, handledResources, type ReviewOutcome, reviewAdmission } from "../admission/handler.js";
import type { ExemptedFinding } from "../engine/finding.js";
import type { AdmissionRequest, AdmissionReviewResponse } from "../k8s/admission.js";
import type { Authentication } from "./auth.js";
import { type Parsed, parseReview } from "./body.js";
import { defaultReviewLog, logsReview } from "./review-log.js";
import { routes } from "./routes.js";
import { type AppContext, elapsedMs, jsonError, type Service } from "./service.js";

/**
 * One admission call without the HTTP plumbing: the body's text in, the AdmissionReview to answer (or why the body is
 * refused) out. The benchmark measures exactly this.
 */
export async function admitBody(
  text: string,
  mode: AdmissionMode,
  context: AdmissionContext,
): Promise<Parsed<{ request: AdmissionRequest; outcome: ReviewOutcome; answer: AdmissionReviewResponse }>> {
  const read = parseReview(text);
  if (!read.ok) return read;
  const { apiVersion, request } = read.review;
  let outcome: ReviewOutcome;
  try {
    outcome = await reviewAdmission(request, mode, context);
  } catch (error) {
    // The uid lets an operator find the failed call in the API server's audit log.
    throw Object.assign(new Error(`review failed: ${String(error)}`, { cause: error }), { uid: request.uid });
  }
  return { ok: true, request, outcome, answer: { apiVersion, kind: "AdmissionReview", response: outcome.response } };
}

/** The handler of one admission route; `countPolicyError` records a review refused because the policy is broken. */
export function admissionHandler(
  mode: AdmissionMode,
  { configOf, log }: Service,
  { authenticate }: Authentication,
  countPolicyError: (c: AppContext) => void,
) {
  return async (c: AppContext) => {
    const started = performance.now();
    const denied = await authenticate(c);
    if (denied) return denied;
    const { policy, cluster, telemetry, reviewLog = defaultReviewLog } = configOf(c);
    if (!policy.ok) {
      countPolicyError(c);
      return jsonError(c, 500, `the policy is broken: ${policy.error}`);
    }

    const admitted = await admitBody(await c.req.text(), mode, { policy: policy.policy, cluster });
    if (!admitted.ok) return jsonError(c, 400, admitted.error);
    const { request, outcome, answer } = admitted;
    const durationMs = elapsedMs(started);
    try {
      telemetry?.review({
        route: routes[mode],
        kind: handledResources.some((r) => r.kind === request.kind.kind) ? request.kind.kind : "other",
        operation: request.operation,
        decision: outcome.decision,
        findings: outcome.findings ?? [],
        defaults: mode === "mutate" ? outcome.rules : [],
        durationMs,
      });
    } catch (error) {
      log({ level: "warn", msg: "metrics not recorded", error: String(error), uid: request.uid });
    }
    // Nothing of the line is built when the switch leaves it out: on wrangler dev the cost was in building it too.
    if (!logsReview(reviewLog, outcome)) return c.json(answer);
    log({
      msg: "review",
      webhook: mode,
      uid: request.uid,
      operation: request.operation,
      kind: `${request.kind.group ? `${request.kind.group}/` : ""}${request.kind.version}/${request.kind.kind}`,
      subResource: request.subResource || undefined,
      namespace: request.namespace ?? null,
      name: objectName(request),
      dryRun: request.dryRun === true,
      decision: outcome.decision,
      rules: outcome.rules,
      // An exemption is never silent: the rule, the annotation and its reason, one entry per exempted finding's rule.
      exempted: outcome.exempted && exemptedRules(outcome.exempted),
      note: outcome.note,
      durationMs,
    });
    return c.json(answer);
  };
}

function exemptedRules(exempted: readonly ExemptedFinding[]) {
  const byRule = new Map<string, { rule: string; annotation: string; reason: string; findings: number }>();
  for (const { exemption } of exempted) {
    const held = byRule.get(exemption.ruleId);
    if (held) held.findings += 1;
    else byRule.set(exemption.ruleId, { rule: exemption.ruleId, annotation: exemption.annotation, reason: exemption.reason, findings: 1 });
  }
  return [...byRule.values()];
}

/** The request's name, or the object's when the request has none (generateName, offline tools). */
export function objectName(request: AdmissionRequest): string | null {
  const metadata = (request.object ?? request.oldObject)?.metadata as { name?: unknown } | undefined;
  return request.name || (typeof metadata?.name === "string" ? metadata.name : null);
}
