/**
 * The routes that feed and read the cluster view: /observe (changes, from a failurePolicy-Ignore webhook), the
 * inventory (one PUT, or a paged sync session) and its summary. Writes need the token in every deployment.
 */
import { observeRequest, openSync, stageSyncPage, syncInventory } from "../cluster/ingest.js";
import type { ClusterStore } from "../cluster/store.js";
import type { AdmissionReviewResponse } from "../k8s/admission.js";
import { objectName } from "./admission-routes.js";
import type { Authentication } from "./auth.js";
import { parseJsonBody, parseReview, sizeLimit } from "./body.js";
import { maxBodyBytes } from "./limits.js";
import { routes, tokenPathPrefix } from "./routes.js";
import { defaultReviewLog, logsObservation } from "./review-log.js";
import { type App, type AppContext, elapsedMs, jsonError, methodNotAllowed, type Service } from "./service.js";

/** An inventory of a large cluster exceeds an admission request's limit; records are trimmed before they are stored. */
export const maxInventoryBytes = 32 * 1024 * 1024;

/** /observe answers within this even when the store is slow: it must never hold a cluster's writes. */
export const observeTimeoutMs = 2_000;

export interface ClusterRouteOptions {
  /** How long /observe waits for the store before allowing anyway. */
  observeTimeoutMs: number;
  /** False where the cluster view is fed by a watch: /observe is then not served. */
  observe: boolean;
}

export function clusterRoutes(app: App, { configOf, log }: Service, auth: Authentication, options: ClusterRouteOptions): void {
  const observeWithin = options.observeTimeoutMs;

  const observe = async (c: AppContext) => {
    const started = performance.now();
    const denied = await auth.authenticateWrite(c);
    if (denied) return denied;
    const read = parseReview(await c.req.text());
    if (!read.ok) return jsonError(c, 400, read.error);
    const { apiVersion, request } = read.review;
    c.set("uid", request.uid);
    const { store, reviewLog = defaultReviewLog } = configOf(c);
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
    if (logsObservation(reviewLog, level)) {
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
    }
    const answer: AdmissionReviewResponse = { apiVersion, kind: "AdmissionReview", response: { uid: request.uid, allowed: true } };
    return c.json(answer);
  };

  /** The store a write route writes, after authentication; or the response that refuses the write. */
  const writableStore = async (c: AppContext): Promise<{ store: ClusterStore } | { refused: Response }> => {
    const denied = await auth.authenticateWrite(c);
    if (denied) return { refused: denied };
    const { store } = configOf(c);
    return store ? { store } : { refused: jsonError(c, 503, "no cluster store is configured") };
  };

  const inventory = async (c: AppContext) => {
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

  const syncOpen = async (c: AppContext) => {
    const writable = await writableStore(c);
    if ("refused" in writable) return writable.refused;
    const body = parseJsonBody(await c.req.text());
    if (!body.ok) return jsonError(c, 400, body.error);
    const opened = await openSync(writable.store, body.value);
    if (!opened.ok) {
      // RFC 9110's Retry-After: the sync client waits this long instead of failing its run on a full store.
      if ("retryAfterSeconds" in opened && opened.retryAfterSeconds !== undefined) c.header("Retry-After", String(opened.retryAfterSeconds));
      return jsonError(c, opened.status, opened.error);
    }
    const { ok: _, ...session } = opened;
    log({ level: "info", msg: "sync: opened", session: session.session, kinds: session.kinds });
    return c.json(session, 201);
  };

  const syncPage = async (c: AppContext) => {
    const writable = await writableStore(c);
    if ("refused" in writable) return writable.refused;
    const body = parseJsonBody(await c.req.text());
    if (!body.ok) return jsonError(c, 400, body.error);
    const staged = await stageSyncPage(writable.store, c.req.param("session") ?? "", body.value);
    if (!staged.ok) return jsonError(c, staged.status, staged.error);
    return c.json({ staged: staged.staged });
  };

  const syncCommit = async (c: AppContext) => {
    const writable = await writableStore(c);
    if ("refused" in writable) return writable.refused;
    const session = c.req.param("session") ?? "";
    const committed = await writable.store.commitSync(session);
    if (!committed.ok) return jsonError(c, committed.status, committed.error);
    const { counts, keptObserved, truncated, syncedAt } = committed.sync;
    log({ level: "info", msg: "sync: committed", session, counts, keptObserved, truncated });
    return c.json({ counts, keptObserved, truncated, syncedAt });
  };

  const observeOff = (c: AppContext) =>
    jsonError(c, 404, "this server fills its cluster view by watching the cluster (--watch); /observe is not served");

  const inventorySummary = async (c: AppContext) => {
    const denied = await auth.authenticate(c);
    if (denied) return denied;
    const { store } = configOf(c);
    if (!store) return jsonError(c, 503, "no cluster store is configured");
    return c.json(await store.summary());
  };

  const limit = sizeLimit(maxBodyBytes);
  const inventoryLimit = sizeLimit(maxInventoryBytes);
  for (const prefix of ["", tokenPathPrefix]) {
    if (options.observe) {
      app.post(prefix + routes.observe, limit, observe);
      app.all(prefix + routes.observe, (c) => methodNotAllowed(c, "POST"));
    } else {
      app.all(prefix + routes.observe, observeOff);
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
}

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
function keepAlive(c: AppContext, pending: Promise<unknown>): void {
  const settled = pending.catch(() => undefined);
  try {
    c.executionCtx.waitUntil(settled);
  } catch {
    // Node: the process keeps running anyway.
  }
}
