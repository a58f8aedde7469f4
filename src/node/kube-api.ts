/**
 * A small client of the Kubernetes API: paged lists and watch streams for the cluster view, server-side apply and
 * delete for the audit's PolicyReports, over node:http(s) with the pod's ServiceAccount token and CA. No Kubernetes
 * client library: Stateward reads five kinds and writes one, and a library's informers keep whole objects in memory,
 * which is what the cluster view exists to avoid.
 */
import { readFileSync } from "node:fs";
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { join } from "node:path";
import * as z from "zod";

/** Where the kubelet mounts a pod's ServiceAccount token, the cluster's CA and the namespace. */
export const serviceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

export interface ApiServer {
  url: URL;
  /** Read before every request: projected ServiceAccount tokens are rotated by the kubelet. */
  tokenFile?: string;
  ca?: Buffer;
}

/** The API server as a pod sees it: KUBERNETES_SERVICE_HOST/PORT, and the ServiceAccount's token and CA. */
export function inClusterApiServer(env: Readonly<Record<string, string | undefined>>, dir = serviceAccountDir): ApiServer {
  const host = env.KUBERNETES_SERVICE_HOST;
  if (!host) throw new Error("not inside a cluster: KUBERNETES_SERVICE_HOST is not set");
  const port = env.KUBERNETES_SERVICE_PORT || "443";
  return {
    url: new URL(`https://${host.includes(":") ? `[${host}]` : host}:${port}`),
    tokenFile: join(dir, "token"),
    ca: readFileSync(join(dir, "ca.crt")),
  };
}

/**
 * An answer other than 200 from the API server, or an ERROR event of a watch. `reason` and `causes` are the Status
 * object's (`Expired`, `ResourceVersionTooLarge`), when it sent one.
 */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    message: string,
    readonly reason?: string,
    readonly causes: readonly string[] = [],
  ) {
    super(message);
  }
}

/**
 * Whether `error` says the resourceVersion a list or watch asked for cannot be served: expired (410 Gone, reason
 * `Expired`) or newer than the server has (cause `ResourceVersionTooLarge`). Either way only a new list helps:
 * client-go's reflector tests the same two (`isExpiredError`, `isTooLargeResourceVersionError` in
 * tools/cache/reflector.go).
 */
export function versionUnavailable(error: unknown): boolean {
  if (!(error instanceof ApiError)) return false;
  return error.status === 410 || error.reason === "Expired" || error.reason === "Gone" || error.causes.includes("ResourceVersionTooLarge");
}

/**
 * How long one request (a list page, an apply, a delete) may take, headers and body: the API server's own default
 * `--request-timeout` (1 minute), past which it has given up on the request itself. A watch is bounded differently,
 * by `timeoutSeconds` and an idle timeout (`watchStream`).
 */
export const defaultRequestTimeoutMs = 60_000;

/** A request the API server did not finish answering in time (a hung list, a body sent too slowly). */
export class ApiTimeoutError extends Error {
  override name = "ApiTimeoutError";
}

interface Send {
  method: "PATCH" | "DELETE";
  contentType?: string;
  body?: string;
}

/**
 * Runs `exchange` (a request and the reading of its answer) under `signal` and a timeout of `timeoutMs`; a timeout
 * rejects with ApiTimeoutError, so a caller can tell it from being stopped.
 */
async function bounded<T>(what: string, timeoutMs: number, signal: AbortSignal | undefined, exchange: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    return await exchange(signal ? AbortSignal.any([signal, timeout]) : timeout);
  } catch (error) {
    if (timeout.aborted && !signal?.aborted) throw new ApiTimeoutError(`${what}: no complete answer within ${timeoutMs / 1000} s`);
    throw error;
  }
}

function open(api: ApiServer, path: string, signal?: AbortSignal, send?: Send): Promise<IncomingMessage> {
  const url = new URL(path, api.url);
  const token = api.tokenFile ? readFileSync(api.tokenFile, "utf8").trim() : undefined;
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      url,
      {
        method: send?.method ?? "GET",
        headers: {
          accept: "application/json",
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(send?.contentType ? { "content-type": send.contentType } : {}),
        },
        ...(api.ca ? { ca: api.ca } : {}),
        signal,
      },
      resolve,
    );
    request.on("error", reject);
    request.end(send?.body);
  });
}

async function text(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const statusSchema = z.looseObject({
  code: z.number().optional(),
  message: z.string().optional(),
  reason: z.string().optional(),
  details: z.looseObject({ causes: z.array(z.looseObject({ reason: z.string().optional() })).optional() }).nullish(),
});

const causesOf = (status: z.infer<typeof statusSchema>) => (status.details?.causes ?? []).flatMap((c) => (c.reason ? [c.reason] : []));

async function refusal(response: IncomingMessage, path: string, method = "GET"): Promise<ApiError> {
  const body = await text(response);
  const code = response.statusCode ?? 0;
  let message = body.slice(0, 300);
  try {
    const status = statusSchema.parse(JSON.parse(body));
    return new ApiError(code, `${method} ${path}: ${code}: ${status.message ?? status.reason ?? message}`, status.reason, causesOf(status));
  } catch {
    // Not a Status object: keep the start of the body.
  }
  return new ApiError(code, `${method} ${path}: ${code}: ${message}`);
}

const listSchema = z.looseObject({
  metadata: z.looseObject({ continue: z.string().nullish(), resourceVersion: z.string().nullish() }).nullish(),
  items: z.array(z.unknown()).nullish(),
});

/**
 * Lists every object under `path` in pages of `limit` (`limit` and `continue`), handing each page's items to
 * `onPage` before the next is asked for, so no more than one page is held at a time. Resolves to the list's
 * resourceVersion. An expired continue token rejects with ApiError 410: the caller restarts the list. Each page's
 * request must be answered in full within `timeoutMs` (ApiTimeoutError otherwise).
 *
 * No `resourceVersion` is sent: the list is the most recent state, a quorum read, which is what client-go's reflector
 * falls back to when its last version is unavailable (`relistResourceVersion` returns "" after 410 Gone). The
 * reflector's first list asks for `resourceVersion=0` (any cached state) instead, but the watch cache ignores `limit`
 * for it and answers every object at once, and one page at a time is what keeps this client's memory bounded.
 */
export async function listPaged(
  api: ApiServer,
  path: string,
  limit: number,
  onPage: (items: unknown[]) => Promise<void> | void,
  signal?: AbortSignal,
  timeoutMs = defaultRequestTimeoutMs,
): Promise<string> {
  let next: string | undefined;
  for (;;) {
    const [base, given] = path.split("?", 2) as [string, string | undefined];
    const query = new URLSearchParams(given);
    query.set("limit", String(limit));
    if (next) query.set("continue", next);
    const target = `${base}?${query}`;
    const page = await bounded(`GET ${target}`, timeoutMs, signal, async (bound) => {
      const response = await open(api, target, bound);
      if (response.statusCode !== 200) throw await refusal(response, target);
      return listSchema.parse(JSON.parse(await text(response)));
    });
    await onPage(page.items ?? []);
    next = page.metadata?.continue || undefined;
    if (!next) return page.metadata?.resourceVersion ?? "";
  }
}

/** The field manager of everything Stateward writes: `kubectl get --show-managed-fields` names it. */
export const fieldManager = "stateward";

/**
 * Server-side apply of `object` at `path` (the object's own URL): creates it or makes Stateward's fields what `object`
 * says, taking fields another manager set (`force`), as a controller owning the object does.
 */
export async function applyObject(api: ApiServer, path: string, object: unknown, timeoutMs = defaultRequestTimeoutMs): Promise<void> {
  const target = `${path}?${new URLSearchParams({ fieldManager, force: "true" })}`;
  await bounded(`PATCH ${target}`, timeoutMs, undefined, async (signal) => {
    // JSON is YAML: the apply content type takes either.
    const response = await open(api, target, signal, {
      method: "PATCH",
      contentType: "application/apply-patch+yaml",
      body: JSON.stringify(object),
    });
    if (response.statusCode !== 200 && response.statusCode !== 201) throw await refusal(response, target, "PATCH");
    await text(response);
  });
}

/** Deletes the object at `path`; one already gone is not an error. */
export async function deleteObject(api: ApiServer, path: string, timeoutMs = defaultRequestTimeoutMs): Promise<void> {
  await bounded(`DELETE ${path}`, timeoutMs, undefined, async (signal) => {
    const response = await open(api, path, signal, { method: "DELETE" });
    if (response.statusCode === 404) return void (await text(response));
    if (response.statusCode !== 200 && response.statusCode !== 202) throw await refusal(response, path, "DELETE");
    await text(response);
  });
}

const watchEventSchema = z.object({ type: z.string(), object: z.unknown() });
export type WatchEvent = z.infer<typeof watchEventSchema>;

export interface WatchRequest {
  resourceVersion: string;
  /** Asks the server to end the watch after this long (`timeoutSeconds`); the server adds a bookmark just before. */
  timeoutSeconds: number;
  /** Ends the watch when nothing (not even a bookmark) arrives for this long, counted from the request. */
  idleTimeoutMs: number;
  signal?: AbortSignal;
  /** Called once the server has accepted the watch (200). */
  onOpen?(): void;
}

/** How a watch ended without an error: the server closed it (its timeout), or it was silent past the idle timeout. */
export type WatchEnd = "closed" | "idle";

/**
 * Follows the watch stream of `path` from `resourceVersion`, one event per line, until the server ends it, it stays
 * silent for `idleTimeoutMs`, or `signal` aborts. Asks for bookmarks (`allowWatchBookmarks`): BOOKMARK events carry
 * only a newer resourceVersion, so a quiet kind's watch can resume from a recent version and the stream is never
 * silent for long (the API server's watch cache sends one at least every minute, `defaultBookmarkFrequency` in
 * k8s.io/apiserver's cacher.go). An ERROR event rejects with its Status as ApiError (410 Gone: the version expired).
 */
export async function watchStream(api: ApiServer, path: string, request: WatchRequest, onEvent: (event: WatchEvent) => void): Promise<WatchEnd> {
  const query = new URLSearchParams({
    watch: "true",
    resourceVersion: request.resourceVersion,
    allowWatchBookmarks: "true",
    timeoutSeconds: String(request.timeoutSeconds),
  });
  const target = `${path}?${query}`;
  const idle = new AbortController();
  const idleTimer = setTimeout(() => idle.abort(), request.idleTimeoutMs);
  const signal = request.signal ? AbortSignal.any([request.signal, idle.signal]) : idle.signal;
  try {
    const response = await open(api, target, signal);
    idleTimer.refresh();
    if (response.statusCode !== 200) throw await refusal(response, target);
    request.onOpen?.();
    let buffered = "";
    response.setEncoding("utf8");
    for await (const chunk of response) {
      idleTimer.refresh();
      buffered += chunk as string;
      let end = buffered.indexOf("\n");
      while (end >= 0) {
        const line = buffered.slice(0, end).trim();
        buffered = buffered.slice(end + 1);
        end = buffered.indexOf("\n");
        if (!line) continue;
        const event = watchEventSchema.parse(JSON.parse(line));
        if (event.type === "ERROR") {
          const status = statusSchema.safeParse(event.object);
          if (!status.success) throw new ApiError(0, `watch ${path}: an ERROR event without a Status`);
          const { code = 0, message = "error event", reason } = status.data;
          throw new ApiError(code, `watch ${path}: ${code}: ${message}`, reason, causesOf(status.data));
        }
        onEvent(event);
      }
    }
    return "closed";
  } catch (error) {
    if (idle.signal.aborted && !request.signal?.aborted) return "idle";
    throw error;
  } finally {
    clearTimeout(idleTimer);
  }
}
