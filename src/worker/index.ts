/** The Cloudflare Workers entry: configuration from bindings, everything else from the shared app. */
import type { Context } from "hono";
import { type ClusterBindings, clusterFromBindings } from "./bindings.js";
import { createApp } from "../http/app.js";
import type { ServiceConfig } from "../http/service.js";
import { loadPolicy, type PolicyState } from "../policy/policy.js";
import { type AnalyticsBindings, analyticsTelemetry } from "./analytics.js";

// workerd accepts only handlers and classes as a module's exports: nothing else may be exported from here.
export { ClusterStoreObject } from "./durable-store.js";

export interface Env extends ClusterBindings, AnalyticsBindings {
  WEBHOOK_TOKEN?: string;
  STATEWARD_POLICY?: string;
}

let cachedPolicy: { text: string | undefined; state: PolicyState } | undefined;

function policyFor(text: string | undefined): PolicyState {
  if (!cachedPolicy || cachedPolicy.text !== text) cachedPolicy = { text, state: loadPolicy(text) };
  return cachedPolicy.state;
}

// The app asks for the configuration once per request, so the Durable Object stub is made once per request.
const app = createApp({
  config(c: Context): ServiceConfig {
    const env = (c.env ?? {}) as Env;
    return {
      token: env.WEBHOOK_TOKEN || undefined,
      policy: policyFor(env.STATEWARD_POLICY),
      telemetry: analyticsTelemetry(env.STATEWARD_ANALYTICS),
      ...clusterFromBindings(env),
    };
  },
});

export default app;
