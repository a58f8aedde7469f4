/**
 * The Hono app: routes, authentication, limits and error mapping. It hands AdmissionReviews to the admission handler,
 * observations and inventories to the cluster store, and knows nothing about StatefulSets.
 */
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { timingSafeEqual } from "hono/utils/buffer";
import { type AdmissionContext, type AdmissionMode, handledResources, type ReviewOutcome, review } from "../admission/handler.js";
import {
  type AdmissionRequest,
  type AdmissionReviewRequest,
  type AdmissionReviewResponse,
  admissionReviewSchema,
  describeIssues,
} from "../k8s/admission.js";
import { observeRequest, openSync, stageSyncPage, syncInventory } from "../cluster/ingest.js";
import type { ClusterStore } from "../cluster/store.js";
import type { ClusterView } from "../cluster/view.js";
import type { PolicyState } from "../policy/policy.js";
import type { Telemetry } from "./telemetry.js";
import { policyCheck, type ReadinessCheck, readiness } from "./health.js";
import { maxBodyBytes, maxCollectionEntries, maxNestingDepth, shapeProblem } from "./limits.js";

export interface ServiceConfig {
  /** The shared secret callers must present; undefined turns authentication off. */
  token: string | undefined;
  policy: PolicyState;
  cluster: ClusterView;
  /** Where reviews and errors are counted; none records nothing. */
  telemetry?: Telemetry;
  /** Where /observe and /inventory write; without one they answer that no store is configured. */
  store?: ClusterStore;
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

/** Every route the service serves; the webhook registrations in k8s/ are tested against this table. */
export const routes = {
  validate: "/validate",
  mutate: "/mutate",
  healthz: "/healthz",
  livez: "/livez",
  readyz: "/readyz",
  metrics: "/metrics",
  observe: "/observe",
  inventory: "/inventory",
  inventorySummary: "/inventory/summary",
  inventorySync: "/inventory/sync",
  inventorySyncPages: "/inventory/sync/:session/pages",
  inventorySyncCommit: "/inventory/sync/:session/commit",
} as const;

/** Routes that write the cluster view: never served without a WEBHOOK_TOKEN. */
export const writeRoutes = [routes.observe, routes.inventory, routes.inventorySync, routes.inventorySyncPages, routes.inventorySyncCommit];

/** An inventory of a large cluster exceeds an admission request's limit; records are trimmed before they are stored. */
export const maxInventoryBytes = 32 * 1024 * 1024;

/** /observe answers within this even when the store is slow: it must never hold a cluster's writes. */
export const observeTimeoutMs = 2_000;

/** The prefix of the token-in-path form, `/t/<token>/validate`, for API servers that cannot send a bearer token. */
export const tokenPathPrefix = "/t/:token";

/** Why a write route is refused while no token is configured; the Node server also says it when it starts. */
export const writesNeedTokenMessage =
  "WEBHOOK_TOKEN is not set: /observe and the inventory routes write the cluster view and are not served without it";

const jsonError = (c: Context, status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 500 | 503, error: string) =>
  c.json({ error, status }, status);

export function createApp(options: AppOptions): Hono {
  const log = options.log ?? ((line: LogLine) => console.log(JSON.stringify(line)));
  const observeWithin = options.observeTimeoutMs ?? observeTimeoutMs;
  let warnedNoToken = false;
  const app = new Hono();

  const configOf = (c: Context): ServiceConfig => {
    let config = c.get("config" as never) as ServiceConfig | undefined;
    if (!config) {
      config = options.config(c);
      c.set("config" as never, config as never);
    }
    return config;
  };

  app.notFound((c) => jsonError(c, 404, `no route for ${c.req.method} ${new URL(c.req.url).pathname}`));
  app.onError((error, c) => {
    const uid = (error as { uid?: string }).uid ?? c.get("uid" as never) ?? null;
    log({ level: "error", msg: "internal error", error: String(error), uid });
    countError(c, "internal");
    return jsonError(c, 500, "internal error; the API server's failurePolicy decides");
  });

  /** Counts an error by route; a failure of the metrics backend itself is never the request's problem. */
  const countError = (c: Context, reason: "internal" | "policy") => {
    try {
      configOf(c).telemetry?.error({ route: routeOf(c), reason });
    } catch {
      // The configuration itself may be what failed.
    }
  };

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

  const authenticate = async (c: Context): Promise<Response | undefined> => {
    const { token } = configOf(c);
    const presented = c.req.param("token") ?? bearerToken(c.req.header("authorization"));
    if (!token) {
      if (!warnedNoToken) {
        warnedNoToken = true;
        log({ level: "warn", msg: "WEBHOOK_TOKEN is not set: admission calls are not authenticated" });
      }
      return undefined;
    }
    if (presented === undefined || !(await timingSafeEqual(presented, token))) {
      return jsonError(c, 401, "missing or wrong token: send Authorization: Bearer <token> or use /t/<token>/...");
    }
    return undefined;
  };

  /** Writes need a credential in every deployment: without a configured token they are refused, not open. */
  const authenticateWrite = async (c: Context): Promise<Response | undefined> => {
    if (!configOf(c).token) return jsonError(c, 403, writesNeedTokenMessage);
    return authenticate(c);
  };

  const admit = (mode: AdmissionMode) => async (c: Context) => {
    const started = performance.now();
    const denied = await authenticate(c);
    if (denied) return denied;
    const { policy, cluster, telemetry } = configOf(c);
    if (!policy.ok) {
      countError(c, "policy");
      return jsonError(c, 500, `the policy is broken: ${policy.error}`);
    }

    const admitted = await admitBody(await c.req.text(), mode, { policy: policy.policy, cluster });
    if (!admitted.ok) return jsonError(c, 400, admitted.error);
    const { request, outcome, answer } = admitted;
    const durationMs = elapsedMs(started);
    try {
      telemetry?.review({
        route: mode,
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
      note: outcome.note,
      durationMs,
    });
    return c.json(answer);
  };

  const observe = async (c: Context) => {
    const started = performance.now();
    const denied = await authenticateWrite(c);
    if (denied) return denied;
    const read = parseReview(await c.req.text());
    if (!read.ok) return jsonError(c, 400, read.error);
    const { apiVersion, request } = read.review;
    c.set("uid" as never, request.uid as never);
    const { store } = configOf(c);
    let outcome: string;
    let note: string | undefined;
    let level = "info";
    if (!store) {
      outcome = "skipped";
      note = "no cluster store is configured";
    } else {
      const pending = observeRequest(store, request);
      keepAlive(c, pending);
      try {
        const result = await withTimeout(pending, observeWithin);
        if (result) {
          outcome = result.outcome;
          note = result.note;
        } else {
          outcome = "timeout";
          level = "warn";
          note = `the cluster store did not answer within ${observeWithin} ms`;
        }
      } catch (error) {
        // Observation never blocks the cluster: a failing store is logged, the change is still allowed.
        outcome = "failed";
        level = "error";
        note = String(error);
      }
    }
    log({
      level,
      msg: "observe",
      uid: request.uid,
      operation: request.operation,
      resource: `${request.resource.group ? `${request.resource.group}/` : ""}${request.resource.resource}`,
      namespace: request.namespace ?? null,
      name: objectName(request),
      dryRun: request.dryRun === true,
      outcome,
      note,
      durationMs: elapsedMs(started),
    });
    const answer: AdmissionReviewResponse = { apiVersion, kind: "AdmissionReview", response: { uid: request.uid, allowed: true } };
    return c.json(answer);
  };

  /** The store a write route writes, after authentication; or the response that refuses the write. */
  const writableStore = async (c: Context): Promise<{ store: ClusterStore } | { refused: Response }> => {
    const denied = await authenticateWrite(c);
    if (denied) return { refused: denied };
    const { store } = configOf(c);
    return store ? { store } : { refused: jsonError(c, 503, "no cluster store is configured") };
  };

  const inventory = async (c: Context) => {
    const writable = await writableStore(c);
    if ("refused" in writable) return writable.refused;
    const body = parseJsonBody(await c.req.text(), Number.POSITIVE_INFINITY);
    if (!body.ok) return jsonError(c, 400, body.error);
    const result = await syncInventory(writable.store, body.value);
    if (!result.ok) return jsonError(c, result.status, result.error);
    const { counts, keptObserved, truncated, syncedAt } = result.sync;
    log({ level: "info", msg: "inventory", replaced: result.replaced, counts, keptObserved, truncated, ignored: result.ignored });
    return c.json({ replaced: result.replaced, counts, keptObserved, truncated, ignored: result.ignored, syncedAt });
  };

  const syncOpen = async (c: Context) => {
    const writable = await writableStore(c);
    if ("refused" in writable) return writable.refused;
    const body = parseJsonBody(await c.req.text());
    if (!body.ok) return jsonError(c, 400, body.error);
    const opened = await openSync(writable.store, body.value);
    if (!opened.ok) return jsonError(c, opened.status, opened.error);
    const { ok: _, ...session } = opened;
    log({ level: "info", msg: "sync: opened", session: session.session, kinds: session.kinds });
    return c.json(session, 201);
  };

  const syncPage = async (c: Context) => {
    const writable = await writableStore(c);
    if ("refused" in writable) return writable.refused;
    const body = parseJsonBody(await c.req.text());
    if (!body.ok) return jsonError(c, 400, body.error);
    const staged = await stageSyncPage(writable.store, c.req.param("session") ?? "", body.value);
    if (!staged.ok) return jsonError(c, staged.status, staged.error);
    return c.json({ staged: staged.staged });
  };

  const syncCommit = async (c: Context) => {
    const writable = await writableStore(c);
    if ("refused" in writable) return writable.refused;
    const session = c.req.param("session") ?? "";
    const committed = await writable.store.commitSync(session);
    if (!committed.ok) return jsonError(c, committed.status, committed.error);
    const { counts, keptObserved, truncated, syncedAt } = committed.sync;
    log({ level: "info", msg: "sync: committed", session, counts, keptObserved, truncated });
    return c.json({ counts, keptObserved, truncated, syncedAt });
  };

  const observeOff = (c: Context) =>
    jsonError(c, 404, "this server fills its cluster view by watching the cluster (--watch); /observe is not served");

  const inventorySummary = async (c: Context) => {
    const denied = await authenticate(c);
    if (denied) return denied;
    const { store } = configOf(c);
    if (!store) return jsonError(c, 503, "no cluster store is configured");
    return c.json(await store.summary());
  };

  const limit = sizeLimit(maxBodyBytes);
  const inventoryLimit = sizeLimit(maxInventoryBytes);

  for (const prefix of ["", tokenPathPrefix]) {
    for (const mode of ["validate", "mutate"] as const) {
      const path = prefix + routes[mode];
      app.post(path, limit, admit(mode));
      app.all(path, (c) => methodNotAllowed(c, "POST"));
    }
    if (options.observe === false) {
      app.all(prefix + routes.observe, observeOff);
    } else {
      app.post(prefix + routes.observe, limit, observe);
      app.all(prefix + routes.observe, (c) => methodNotAllowed(c, "POST"));
    }
    app.put(prefix + routes.inventory, inventoryLimit, inventory);
    app.all(prefix + routes.inventory, (c) => methodNotAllowed(c, "PUT"));
    for (const [path, handler] of [
      [routes.inventorySync, syncOpen],
      [routes.inventorySyncPages, syncPage],
      [routes.inventorySyncCommit, syncCommit],
    ] as const) {
      app.post(prefix + path, limit, handler);
      app.all(prefix + path, (c) => methodNotAllowed(c, "POST"));
    }
    app.get(prefix + routes.inventorySummary, inventorySummary);
    app.all(prefix + routes.inventorySummary, (c) => methodNotAllowed(c, "GET"));
  }
  return app;
}

type Parsed<T> = { ok: true } & T | { ok: false; error: string };

/**
 * The parsed JSON body, or why it is refused. Shape limits stop pathological objects before any code walks them; a
 * cluster inventory may legitimately hold more entries than one object.
 */
export function parseJsonBody(text: string, entriesLimit = maxCollectionEntries): Parsed<{ value: unknown }> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: "request body is not valid JSON" };
  }
  const problem = shapeProblem(value, maxNestingDepth, entriesLimit);
  return problem ? { ok: false, error: problem } : { ok: true, value };
}

/** The AdmissionReview in the body, or why it is refused. */
export function parseReview(text: string): Parsed<{ review: AdmissionReviewRequest }> {
  const body = parseJsonBody(text);
  if (!body.ok) return body;
  const parsed = admissionReviewSchema.safeParse(body.value);
  if (!parsed.success) return { ok: false, error: `not an AdmissionReview: ${describeIssues(parsed.error.issues)}` };
  return { ok: true, review: parsed.data };
}

/**
 * One admission call without the HTTP plumbing: the body's text in, the AdmissionReview to answer (or why the body is
 * refused) out. The benchmark measures exactly this against JSON.parse + JSON.stringify of the same text.
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
    outcome = await review(request, mode, context);
  } catch (error) {
    // The uid lets an operator find the failed call in the API server's audit log.
    throw Object.assign(new Error(`review failed: ${String(error)}`, { cause: error }), { uid: request.uid });
  }
  return { ok: true, request, outcome, answer: { apiVersion, kind: "AdmissionReview", response: outcome.response } };
}

/** A 413 with a JSON body for a body over `bytes`, judged from Content-Length or while streaming, never after. */
function sizeLimit(bytes: number): MiddlewareHandler {
  const tooLarge = (c: Context) => jsonError(c, 413, `request body exceeds ${bytes} bytes`);
  const streaming = bodyLimit({ maxSize: bytes, onError: tooLarge });
  return async (c, next) => {
    // Judged from the header alone when there is one, as bodyLimit would, but without touching `body` first: on Node
    // that turns the request into a web stream, which cost more CPU than all of Stateward's own work per review.
    const length = c.req.header("content-length");
    if (length !== undefined && c.req.header("transfer-encoding") === undefined) {
      return Number.parseInt(length, 10) > bytes ? tooLarge(c) : next();
    }
    return streaming(c, next);
  };
}

/** The request's name, or the object's when the request has none (generateName, offline tools). */
function objectName(request: AdmissionRequest): string | null {
  const metadata = (request.object ?? request.oldObject)?.metadata as { name?: unknown } | undefined;
  return request.name || (typeof metadata?.name === "string" ? metadata.name : null);
}

const elapsedMs = (started: number) => Math.round((performance.now() - started) * 1000) / 1000;

/** Resolves to undefined when `promise` takes longer than `ms`. */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** On Workers, lets a write that outlives its response finish; elsewhere there is no execution context. */
function keepAlive(c: Context, pending: Promise<unknown>): void {
  const settled = pending.catch(() => undefined);
  try {
    c.executionCtx.waitUntil(settled);
  } catch {
    // Node: the process keeps running anyway.
  }
}

/** The matched route's path without the token-in-path prefix, so that no token ends up in a label. */
function routeOf(c: Context): string {
  const path = c.req.routePath || "";
  return path.startsWith(tokenPathPrefix) ? path.slice(tokenPathPrefix.length) || "/" : path;
}

function methodNotAllowed(c: Context, allowed: string): Response {
  c.header("Allow", allowed);
  return jsonError(c, 405, `method ${c.req.method} is not allowed; use ${allowed}`);
}

function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}
