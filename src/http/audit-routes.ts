/**
 * GET /audit: the audit of the cluster view, what the webhook would say about every StatefulSet, claim and disruption
 * budget the store holds, as JSON (`format=json`, the default) or as PolicyReports, one per namespace (`format=reports`: a `List` for
 * `kubectl apply -f` or `stateward sync --policy-reports`; `api=openreports.io/v1alpha1` for OpenReports' Reports). It shows what the cluster runs, so like the writes it is
 * never served without a token. A large view is read in pages (`limit`, `continue`), each a bounded amount of work.
 */
import * as z from "zod";
import { auditStore, defaultAuditPage } from "../audit/audit.js";
import { inReportApi, reportApis } from "../audit/open-reports.js";
import { policyReports } from "../audit/policy-report.js";
import { maxRecordPage } from "../cluster/store.js";
import type { Authentication } from "./auth.js";
import { routes, tokenPathPrefix } from "./routes.js";
import { type App, type AppContext, elapsedMs, jsonError, methodNotAllowed, type Service } from "./service.js";

/** Why /audit is refused while no token is configured. */
export const auditNeedsTokenMessage = "WEBHOOK_TOKEN is not set: /audit shows what the cluster runs and is not served without it";

const limitError = `limit takes a number of objects from 1 to ${maxRecordPage}`;

const auditQuerySchema = z.strictObject({
  format: z.enum(["json", "reports"], { error: "format takes json or reports" }).default("json"),
  api: z.enum(reportApis, { error: `api takes ${reportApis.join(" or ")}` }).optional(),
  limit: z.coerce.number({ error: limitError }).int({ error: limitError }).min(1, { error: limitError }).max(maxRecordPage, { error: limitError }).default(defaultAuditPage),
  continue: z.string().optional(),
});

export function auditRoutes(app: App, { configOf, log }: Service, auth: Authentication): void {
  const audit = async (c: AppContext) => {
    const started = performance.now();
    if (!configOf(c).token) return jsonError(c, 403, auditNeedsTokenMessage);
    const denied = await auth.authenticate(c);
    if (denied) return denied;
    const { store, policy, cluster } = configOf(c);
    if (!store) return jsonError(c, 503, "no cluster store is configured");
    if (!policy.ok) return jsonError(c, 503, `the policy is broken: ${policy.error}`);
    const query = auditQuerySchema.safeParse(c.req.query());
    if (!query.success) {
      const issue = query.error.issues[0]!;
      return jsonError(c, 400, issue.code === "unrecognized_keys" ? `unknown query parameter(s): ${issue.keys.join(", ")}` : issue.message);
    }
    const { format, limit, api } = query.data;
    if (api !== undefined && format !== "reports") return jsonError(c, 400, "api applies to format=reports");
    const page = await auditStore(store, { policy: policy.policy, cluster }, { limit, ...(query.data.continue ? { continue: query.data.continue } : {}) });
    if (!page.ok) return jsonError(c, 400, page.error);
    const { objects, exempt, view } = page.audit;
    const next = page.audit.continue;
    log({ level: "info", msg: "audit", format, objects: objects.length, exempt, more: next !== null, durationMs: elapsedMs(started) });
    const now = new Date();
    if (format === "reports") {
      return c.json({ apiVersion: "v1", kind: "List", metadata: next === null ? {} : { continue: next }, items: inReportApi(policyReports(objects, now), api ?? reportApis[0]) });
    }
    return c.json({ auditedAt: now.toISOString(), objects, exempt, continue: next, view });
  };

  for (const prefix of ["", tokenPathPrefix]) {
    app.get(prefix + routes.audit, audit);
    app.all(prefix + routes.audit, (c) => methodNotAllowed(c, "GET"));
  }
}
