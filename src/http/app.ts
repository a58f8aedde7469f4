/**
 * The Hono app: composes the routes (health, admission, cluster view) with authentication, limits and error mapping.
 * It hands AdmissionReviews to the admission handler, inventories to the cluster store and audits to src/audit, and
 * knows nothing about StatefulSets.
 */
import { Hono } from "hono";
import { admissionHandler } from "./admission-routes.js";
import { auditRoutes } from "./audit-routes.js";
import { authentication } from "./auth.js";
import { sizeLimit } from "./body.js";
import { clusterRoutes, observeTimeoutMs } from "./cluster-routes.js";
import { healthRoutes } from "./health-routes.js";
import { maxBodyBytes } from "./limits.js";
import { routes, tokenPathPrefix } from "./routes.js";
import { type AppContext, type AppEnv, type AppOptions, jsonError, methodNotAllowed, routeOf, service } from "./service.js";
import type { ErrorEvent } from "./telemetry.js";

export function createApp(options: AppOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const shared = service(options);
  const auth = authentication(shared);

  /** Counts an error by route; a failure of the metrics backend itself is never the request's problem. */
  const countError = (c: AppContext, reason: ErrorEvent["reason"]) => {
    try {
      shared.configOf(c).telemetry?.error({ route: routeOf(c), reason });
    } catch {
      // The configuration itself may be what failed.
    }
  };

  app.notFound((c) => jsonError(c, 404, `no route for ${c.req.method} ${new URL(c.req.url).pathname}`));
  app.onError((error, c) => {
    const uid = (error as { uid?: string }).uid ?? c.get("uid") ?? null;
    // A client that goes away mid-body fails the body's read; it is not an error of ours, and the metric the README
    // says to alert on must not count it. The runtime aborts the request's signal when the connection closes.
    if (c.req.raw.signal.aborted) {
      shared.log({ level: "info", msg: "request aborted by the client", route: routeOf(c), uid });
      countError(c, "aborted");
      return jsonError(c, 400, "the client closed the connection before the request was read");
    }
    shared.log({ level: "error", msg: "internal error", error: String(error), uid });
    countError(c, "internal");
    return jsonError(c, 500, "internal error; the API server's failurePolicy decides");
  });

  healthRoutes(app, shared, options);
  const limit = sizeLimit(maxBodyBytes);
  for (const prefix of ["", tokenPathPrefix]) {
    for (const mode of ["validate", "mutate"] as const) {
      const path = prefix + routes[mode];
      app.post(path, limit, admissionHandler(mode, shared, auth, (c) => countError(c, "policy")));
      app.all(path, (c) => methodNotAllowed(c, "POST"));
    }
  }
  clusterRoutes(app, shared, auth, {
    observeTimeoutMs: options.observeTimeoutMs ?? observeTimeoutMs,
    observe: options.observe !== false,
  });
  auditRoutes(app, shared, auth);
  return app;
}
