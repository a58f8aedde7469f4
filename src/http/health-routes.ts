/** /healthz (kept for compatibility), /livez, /readyz and /metrics. */
import { policyCheck, readiness } from "./health.js";
import { routes } from "./routes.js";
import { type App, type AppOptions, methodNotAllowed, type Service } from "./service.js";

export function healthRoutes(app: App, { configOf }: Service, options: Pick<AppOptions, "readiness" | "metrics">): void {
  app.get(routes.healthz, (c) => {
    const { policy, token } = configOf(c);
    if (!policy.ok) return c.json({ status: "unavailable", reason: policy.error }, 503);
    return c.json({ status: "ok", authentication: token ? "token" : "off" });
  });
  app.all(routes.healthz, (c) => methodNotAllowed(c, "GET"));

  // Answers without reading the configuration: liveness must not depend on anything that can be broken by input.
  app.get(routes.livez, (c) => c.json({ status: "alive" }));
  app.all(routes.livez, (c) => methodNotAllowed(c, "GET"));
  app.get(routes.readyz, (c) => {
    const verdict = readiness([policyCheck(configOf(c).policy), ...(options.readiness?.() ?? [])]);
    if (!verdict.ready) return c.json({ status: "not ready", reason: verdict.reason, checks: verdict.checks }, 503);
    if (verdict.degraded) return c.json({ status: "degraded", degraded: verdict.degraded, checks: verdict.checks });
    return c.json({ status: "ready", checks: verdict.checks });
  });
  app.all(routes.readyz, (c) => methodNotAllowed(c, "GET"));

  const { metrics } = options;
  if (metrics) {
    app.get(routes.metrics, async (c) => {
      const { contentType, body } = await metrics();
      return c.body(body, 200, { "content-type": contentType });
    });
    app.all(routes.metrics, (c) => methodNotAllowed(c, "GET"));
  }
}
