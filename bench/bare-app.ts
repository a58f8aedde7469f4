/**
 * The reference server: a bare Hono route that reads the AdmissionReview and allows it, the least a correct webhook
 * can answer (it must echo the request's uid). The same app runs on Node (bare-node.ts) and in workerd
 * (bare-worker.ts), so the distance to Stateward is the cost of Stateward itself.
 */
import { Hono } from "hono";

export function bareApp(): Hono {
  const app = new Hono();
  const allow = async (c: import("hono").Context) => {
    const review = (await c.req.json()) as { apiVersion?: string; request?: { uid?: string } };
    return c.json({ apiVersion: review.apiVersion, kind: "AdmissionReview", response: { uid: review.request?.uid, allowed: true } });
  };
  app.post("/validate", allow);
  app.post("/mutate", allow);
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  return app;
}
