/** The Cloudflare Workers entry: configuration from bindings, everything else from the shared app. */
import type { Context } from "hono";
import { type ClusterBindings, clusterFromBindings } from "./bindings.js";
import { createApp } from "../http/app.js";
import type { ServiceConfig } from "../http/service.js";
import { loadPolicy, type PolicyState } from "../policy/policy.js";
import { defaultReviewLog, readReviewLog, type ReviewLogSetting } from "../http/review-log.js";
import { type AnalyticsBindings, analyticsTelemetry } from "./analytics.js";

// workerd accepts only handlers and classes as a module's exports: nothing else may be exported from here.
export { ClusterStoreObject } from "./durable-store.js";

export interface Env extends ClusterBindings, AnalyticsBindings {
  WEBHOOK_TOKEN?: string;
  STATEWARD_POLICY?: string;
  /** Which reviews get a log line: all, findings (deny or warn) or off; see src/http/review-log.ts. */
  STATEWARD_LOG?: string;
}

let cachedPolicy: { text: string | undefined; state: PolicyState } | undefined;

function policyFor(text: string | undefined): PolicyState {
  if (!cachedPolicy || cachedPolicy.text !== text) cachedPolicy = { text, state: loadPolicy(text) };
  return cachedPolicy.state;
}

let refusedLogSetting: string | undefined;

/** A wrong STATEWARD_LOG cannot stop a Worker from answering: it logs the default, and says so once per value. */
function reviewLogFor(value: string | undefined): ReviewLogSetting {
  const read = readReviewLog(value);
  if ("setting" in read) return read.setting;
  if (refusedLogSetting !== value) {
    refusedLogSetting = value;
    console.log(JSON.stringify({ level: "warn", msg: `${read.error}; logging ${defaultReviewLog}` }));
  }
  return defaultReviewLog;
}

// The app asks for the configuration once per request, so the Durable Object stub is made once per request.
const app = createApp({
  config(c: Context): ServiceConfig {
    const env = (c.env ?? {}) as Env;
    return {
      token: env.WEBHOOK_TOKEN || undefined,
      policy: policyFor(env.STATEWARD_POLICY),
      telemetry: analyticsTelemetry(env.STATEWARD_ANALYTICS),
      reviewLog: reviewLogFor(env.STATEWARD_LOG),
      ...clusterFromBindings(env),
    };
  },
});

export default app;
