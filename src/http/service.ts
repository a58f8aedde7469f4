/**
 * What every part of the app shares: the configuration a runtime supplies per request, the options it starts the app
 * with, and the JSON error and method answers all routes give.
 */
import type { Context, Hono } from "hono";
import type { ClusterStore } from "../cluster/store.js";
import type { ClusterView } from "../cluster/view.js";
import type { PolicyState } from "../policy/policy.js";
import type { ReadinessCheck } from "./health.js";
import type { ReviewLogSetting } from "./review-log.js";
import { tokenPathPrefix } from "./routes.js";
import type { Telemetry } from "./telemetry.js";

export interface ServiceConfig {
  /** The shared secret callers must present; undefined turns authentication off. */
  token: string | undefined;
  policy: PolicyState;
  cluster: ClusterView;
  /** Where reviews and errors are counted; none records nothing. */
  telemetry?: Telemetry;
  /** Where /observe and /inventory write; without one they answer that no store is configured. */
  store?: ClusterStore;
  /** Which reviews and observations get a log line (STATEWARD_LOG); unset means `defaultReviewLog`. */
  reviewLog?: ReviewLogSetting;
}

export type LogLine = Record<string, unknown>;

export interface AppOptions {
  /** The configuration for one request, asked once per request; runtimes cache whatever outlives a request. */
  config(c: Context): ServiceConfig;
  log?(line: LogLine): void;
  /**
   * What the runtime itself needs before it takes reviews, besides a loaded policy (a certificate, not shutting down);
   * asked on every /readyz.
   */
  readiness?(): ReadinessCheck[];
  /** The Prometheus text exposition served at /metrics; without it /metrics is not served. */
  metrics?(): Promise<{ contentType: string; body: string }>;
  /** How long /observe waits for the store before allowing anyway; defaults to `observeTimeoutMs`. */
  observeTimeoutMs?: number;
  /** False where the cluster view is fed by a watch: /observe is then not served. Defaults to true. */
  observe?: boolean;
}

/** What a request carries between the app's parts: its configuration once read, and the review's uid once known. */
export interface AppEnv {
  Variables: { config?: ServiceConfig; uid?: string };
}

export type App = Hono<AppEnv>;
export type AppContext = Context<AppEnv>;

/** The parts of the app each route module is given: the per-request configuration and the log. */
export interface Service {
  configOf(c: AppContext): ServiceConfig;
  log(line: LogLine): void;
}

/** Reads the runtime's configuration at most once per request; routes that must not depend on it never call this. */
export function service(options: AppOptions): Service {
  return {
    configOf(c) {
      let config = c.get("config");
      if (!config) {
        config = options.config(c);
        c.set("config", config);
      }
      return config;
    },
    log: options.log ?? ((line: LogLine) => console.log(JSON.stringify(line))),
  };
}

export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 413 | 429 | 500 | 503;

export const jsonError = (c: Context, status: ErrorStatus, error: string) => c.json({ error, status }, status);

export function methodNotAllowed(c: Context, allowed: string): Response {
  c.header("Allow", allowed);
  return jsonError(c, 405, `method ${c.req.method} is not allowed; use ${allowed}`);
}

/** The matched route's path without the token-in-path prefix, so that no token ends up in a label. */
export function routeOf(c: Context): string {
  const path = c.req.routePath || "";
  return path.startsWith(tokenPathPrefix) ? path.slice(tokenPathPrefix.length) || "/" : path;
}

export const elapsedMs = (started: number) => Math.round((performance.now() - started) * 1000) / 1000;
