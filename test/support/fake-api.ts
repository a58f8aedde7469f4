/**
 * A fake Kubernetes API server for the cluster view's kinds, healthy or misbehaving, for the watch's tests and its
 * bench. Healthy, it speaks the list and watch protocol as the API server does: paged lists (`limit`, `continue`)
 * at the current resourceVersion, and watches from a resourceVersion that replay every change after it and then
 * follow live ones, with BOOKMARK events on request (client-go's reflector expects exactly this; tools/cache/reflector.go).
 * Each kind can be given a fault:
 * - `gone`: every watch is answered 410 Gone (the request's status); lists work;
 * - `gone-event`: every watch opens and sends an ERROR event with 410 Gone, the usual form;
 * - `end-at-once`: every watch opens and ends at once; lists work;
 * - `error`: lists and watches are answered 500;
 * - `hang`: lists and watches are accepted and never answered;
 * - `hang-watch`: lists work; watches are accepted and never answered;
 * - `slow`: list bodies come a byte at a time, `slowByteMs` apart; watches hang.
 * It records every request with its time, so a test can count what a client asked.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { clusterKinds, type ClusterKind, listPath } from "../../src/cluster/kinds.js";
import { kinds } from "../../src/k8s/kinds.js";
import { listenLocally } from "../../scripts/servers.js";

export type Fault = "gone" | "gone-event" | "end-at-once" | "error" | "hang" | "hang-watch" | "slow";

export interface FakeRequest {
  at: number;
  kind: ClusterKind;
  verb: "list" | "watch";
  query: URLSearchParams;
}

interface Change {
  version: number;
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: Record<string, unknown>;
}

export interface FakeApiServer {
  url: string;
  requests: FakeRequest[];
  /** A kind's fault; undefined makes it healthy again. */
  setFault(kind: ClusterKind, fault: Fault | undefined): void;
  /** Creates or replaces an object (`metadata.name`, and `namespace` for a namespaced kind); open watches see it. */
  put(kind: ClusterKind, object: Record<string, unknown>): void;
  remove(kind: ClusterKind, namespace: string | undefined, name: string): void;
  /** The objects of a kind as a list would answer them now. */
  objects(kind: ClusterKind): Record<string, unknown>[];
  /** Ends every open watch normally, as the API server does when a watch's `timeoutSeconds` is up. */
  endWatches(): void;
  close(): Promise<void>;
}

export interface FakeApiOptions {
  /** Delay between two bytes of a `slow` body. */
  slowByteMs?: number;
  /** Send a BOOKMARK to every open watch this often (when it asked for them); 0: never. */
  bookmarkMs?: number;
}

const keyOf = (object: Record<string, unknown>) => {
  const metadata = object.metadata as { namespace?: string; name: string };
  return `${metadata.namespace ?? ""}/${metadata.name}`;
};

export async function fakeApiServer(options: FakeApiOptions = {}): Promise<FakeApiServer> {
  const slowByteMs = options.slowByteMs ?? 50;
  let version = 100;
  const faults = new Map<ClusterKind, Fault>();
  const stores = new Map(clusterKinds.map((kind) => [kind, new Map<string, Record<string, unknown>>()]));
  const history = new Map<ClusterKind, Change[]>(clusterKinds.map((kind) => [kind, []]));
  const watchers = new Map<ClusterKind, Set<ServerResponse>>(clusterKinds.map((kind) => [kind, new Set()]));
  const held = new Set<ServerResponse>();
  const timers = new Set<ReturnType<typeof setInterval>>();
  const requests: FakeRequest[] = [];
  const byPath = new Map(clusterKinds.map((kind) => [listPath(kind), kind]));

  const status = (res: ServerResponse, code: number, reason: string, message: string) => {
    res.writeHead(code, { "content-type": "application/json" });
    res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", code, reason, message }));
  };
  const hold = (res: ServerResponse) => {
    held.add(res);
    res.on("close", () => held.delete(res));
  };
  const line = (res: ServerResponse, type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);

  function record(kind: ClusterKind, type: Change["type"], object: Record<string, unknown>) {
    version += 1;
    const stamped = { ...object, metadata: { ...(object.metadata as object), resourceVersion: String(version) } };
    history.get(kind)!.push({ version, type, object: stamped });
    if (type === "DELETED") stores.get(kind)!.delete(keyOf(stamped));
    else stores.get(kind)!.set(keyOf(stamped), stamped);
    for (const res of watchers.get(kind)!) line(res, type, stamped);
  }

  function list(kind: ClusterKind, query: URLSearchParams, res: ServerResponse) {
    const all = [...stores.get(kind)!.values()].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
    const limit = Number(query.get("limit")) || all.length || 1;
    const from = Number(query.get("continue") ?? 0);
    const items = all.slice(from, from + limit);
    const more = from + limit < all.length;
    const body = JSON.stringify({
      apiVersion: kinds[kind].group ? `${kinds[kind].group}/${kinds[kind].version}` : kinds[kind].version,
      kind: `${kind}List`,
      metadata: { resourceVersion: String(version), ...(more ? { continue: String(from + limit) } : {}) },
      items,
    });
    if (faults.get(kind) !== "slow") {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(body);
    }
    res.writeHead(200, { "content-type": "application/json" });
    let sent = 0;
    const trickle = setInterval(() => {
      if (res.destroyed || sent >= body.length) {
        clearInterval(trickle);
        timers.delete(trickle);
        if (!res.destroyed) res.end();
        return;
      }
      res.write(body[sent]);
      sent += 1;
    }, slowByteMs);
    timers.add(trickle);
  }

  function watch(kind: ClusterKind, query: URLSearchParams, res: ServerResponse) {
    const from = Number(query.get("resourceVersion"));
    const changes = history.get(kind)!;
    const oldest = changes[0]?.version ?? version;
    if (!Number.isFinite(from) || from < oldest - 1) return status(res, 410, "Expired", `too old resource version: ${from} (${oldest})`);
    res.writeHead(200, { "content-type": "application/json" });
    res.flushHeaders();
    for (const change of changes) if (change.version > from) line(res, change.type, change.object);
    const set = watchers.get(kind)!;
    set.add(res);
    hold(res);
    res.on("close", () => set.delete(res));
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const kind = byPath.get(url.pathname);
    if (!kind) return status(res, 404, "NotFound", `${url.pathname} not found`);
    const watching = url.searchParams.get("watch") === "true";
    requests.push({ at: Date.now(), kind, verb: watching ? "watch" : "list", query: url.searchParams });
    const fault = faults.get(kind);
    if (fault === "error") return status(res, 500, "InternalError", "etcdserver: request timed out");
    if (fault === "hang" || (watching && (fault === "slow" || fault === "hang-watch"))) return hold(res);
    if (!watching) return list(kind, url.searchParams, res);
    if (fault === "gone") return status(res, 410, "Expired", "too old resource version");
    if (fault === "gone-event" || fault === "end-at-once") {
      res.writeHead(200, { "content-type": "application/json" });
      if (fault === "gone-event") {
        line(res, "ERROR", { kind: "Status", apiVersion: "v1", status: "Failure", code: 410, reason: "Expired", message: "too old resource version" });
      }
      return res.end();
    }
    watch(kind, url.searchParams, res);
  });

  if (options.bookmarkMs) {
    const bookmarks = setInterval(() => {
      for (const kind of clusterKinds) {
        for (const res of watchers.get(kind)!) line(res, "BOOKMARK", { kind, apiVersion: "v1", metadata: { resourceVersion: String(version) } });
      }
    }, options.bookmarkMs);
    timers.add(bookmarks);
  }

  const listening = await listenLocally(server, held);
  return {
    url: listening.url,
    requests,
    setFault(kind, fault) {
      if (fault) faults.set(kind, fault);
      else faults.delete(kind);
    },
    put(kind, object) {
      record(kind, stores.get(kind)!.has(keyOf(object)) ? "MODIFIED" : "ADDED", object);
    },
    remove(kind, namespace, name) {
      const held = stores.get(kind)!.get(`${namespace ?? ""}/${name}`);
      if (held) record(kind, "DELETED", held);
    },
    objects: (kind) => [...stores.get(kind)!.values()],
    endWatches() {
      for (const set of watchers.values()) for (const res of set) res.end();
    },
    async close() {
      for (const timer of timers) clearInterval(timer);
      await listening.close();
    },
  };
}
