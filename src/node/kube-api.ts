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

/** An answer other than 200 from the API server; `status` 410 means the list or watch position expired. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface Send {
  method: "PATCH" | "DELETE";
  contentType?: string;
  body?: string;
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

const statusSchema = z.looseObject({ message: z.string().optional(), reason: z.string().optional() });

async function refusal(response: IncomingMessage, path: string, method = "GET"): Promise<ApiError> {
  const body = await text(response);
  let message = body.slice(0, 300);
  try {
    const status = statusSchema.parse(JSON.parse(body));
    message = status.message ?? status.reason ?? message;
  } catch {
    // Not a Status object: keep the start of the body.
  }
  return new ApiError(response.statusCode ?? 0, `${method} ${path}: ${response.statusCode}: ${message}`);
}

const listSchema = z.looseObject({
  metadata: z.looseObject({ continue: z.string().nullish(), resourceVersion: z.string().nullish() }).nullish(),
  items: z.array(z.unknown()).nullish(),
});

/**
 * Lists every object under `path` in pages of `limit` (`limit` and `continue`), handing each page's items to
 * `onPage` before the next is asked for, so no more than one page is held at a time. Resolves to the list's
 * resourceVersion. An expired continue token rejects with ApiError 410: the caller restarts the list.
 */
export async function listPaged(
  api: ApiServer,
  path: string,
  limit: number,
  onPage: (items: unknown[]) => Promise<void> | void,
  signal?: AbortSignal,
): Promise<string> {
  let next: string | undefined;
  for (;;) {
    const [base, given] = path.split("?", 2) as [string, string | undefined];
    const query = new URLSearchParams(given);
    query.set("limit", String(limit));
    if (next) query.set("continue", next);
    const target = `${base}?${query}`;
    const response = await open(api, target, signal);
    if (response.statusCode !== 200) throw await refusal(response, target);
    const page = listSchema.parse(JSON.parse(await text(response)));
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
export async function applyObject(api: ApiServer, path: string, object: unknown): Promise<void> {
  const target = `${path}?${new URLSearchParams({ fieldManager, force: "true" })}`;
  // JSON is YAML: the apply content type takes either.
  const response = await open(api, target, undefined, {
    method: "PATCH",
    contentType: "application/apply-patch+yaml",
    body: JSON.stringify(object),
  });
  if (response.statusCode !== 200 && response.statusCode !== 201) throw await refusal(response, target, "PATCH");
  response.resume();
}

/** Deletes the object at `path`; one already gone is not an error. */
export async function deleteObject(api: ApiServer, path: string): Promise<void> {
  const response = await open(api, path, undefined, { method: "DELETE" });
  if (response.statusCode === 404) return void response.resume();
  if (response.statusCode !== 200 && response.statusCode !== 202) throw await refusal(response, path, "DELETE");
  response.resume();
}

const watchEventSchema = z.object({ type: z.string(), object: z.unknown() });
export type WatchEvent = z.infer<typeof watchEventSchema>;

/**
 * Follows the watch stream of `path` from `resourceVersion`, one event per line, until the server ends it or
 * `signal` aborts. An ERROR event carrying 410 Gone (the version expired) rejects with ApiError 410.
 */
export async function watchStream(
  api: ApiServer,
  path: string,
  resourceVersion: string,
  onEvent: (event: WatchEvent) => void,
  signal?: AbortSignal,
): Promise<void> {
  const query = new URLSearchParams({ watch: "true", resourceVersion, allowWatchBookmarks: "true" });
  const target = `${path}?${query}`;
  const response = await open(api, target, signal);
  if (response.statusCode !== 200) throw await refusal(response, target);
  let buffered = "";
  response.setEncoding("utf8");
  for await (const chunk of response) {
    buffered += chunk as string;
    let end = buffered.indexOf("\n");
    while (end >= 0) {
      const line = buffered.slice(0, end).trim();
      buffered = buffered.slice(end + 1);
      end = buffered.indexOf("\n");
      if (!line) continue;
      const event = watchEventSchema.parse(JSON.parse(line));
      if (event.type === "ERROR") {
        const status = z.looseObject({ code: z.number().optional(), message: z.string().optional() }).safeParse(event.object);
        const code = status.success ? (status.data.code ?? 0) : 0;
        throw new ApiError(code, `watch ${path}: ${status.success ? status.data.message : "error event"}`);
      }
      onEvent(event);
    }
  }
}
