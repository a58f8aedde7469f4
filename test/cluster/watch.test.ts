/**
 * The in-cluster watch against a small local API server speaking the list/watch protocol: a list, then a stream of
 * ADDED/MODIFIED/DELETED events, then 410 Gone, which must force a relist that replaces what the store holds.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { afterEach, expect, it } from "vitest";
import { listenLocally } from "../../bench/servers.js";
import { memoryClusterStore } from "../../src/cluster/memory-store.js";
import { clusterViewOf } from "../../src/cluster/store.js";
import { type ClusterWatch, watchCluster } from "../../src/node/watch.js";

const service = (name: string, clusterIP: string, resourceVersion: string) => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace: "default", resourceVersion },
  spec: { clusterIP, selector: { app: name } },
});

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Polls until `check` passes, within a bound, so the test stops on its own whatever happens. */
async function eventually(check: () => Promise<void>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

const expired = { kind: "Status", apiVersion: "v1", status: "Failure", reason: "Expired", code: 410, message: "too old resource version: 23 (35)" };

// An API server says 410 either as the watch request's status or, once the stream is open (the usual case, since the
// version is checked after the response starts), as an ERROR event carrying the Status.
it.each(["the watch request's status", "an ERROR event in the watch stream"] as const)(
  "lists, follows the watch stream, and relists after 410 Gone as %s",
  { timeout: 20_000 },
  async (goneAs) => {
    const sendEvents = deferred();
    const endStream = deferred();
    const requests: string[] = [];
    let serviceLists = 0;
    let serviceWatches = 0;
    const open = new Set<ServerResponse>();

    const list = (res: ServerResponse, kind: string, resourceVersion: string, items: unknown[]) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ apiVersion: "v1", kind, metadata: { resourceVersion }, items }));
    };
    const hold = (res: ServerResponse) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.flushHeaders();
      open.add(res);
    };
    const event = (res: ServerResponse, type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);

    const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? "/", "http://x");
      const watching = url.searchParams.get("watch") === "true";
      requests.push(`${watching ? "watch" : "list"} ${url.pathname}${watching ? ` rv=${url.searchParams.get("resourceVersion")}` : ""}`);
      if (url.pathname === "/api/v1/services") {
        if (!watching) {
          serviceLists += 1;
          return serviceLists === 1
            ? list(res, "ServiceList", "20", [service("a", "None", "10"), service("b", "None", "11")])
            : list(res, "ServiceList", "40", [service("a", "10.96.0.5", "30"), service("d", "None", "31")]);
        }
        serviceWatches += 1;
        if (serviceWatches === 1) {
          hold(res);
          await sendEvents.promise;
          event(res, "ADDED", service("c", "None", "21"));
          event(res, "MODIFIED", service("a", "10.96.0.1", "22"));
          event(res, "DELETED", service("b", "None", "23"));
          await endStream.promise;
          open.delete(res);
          return res.end();
        }
        if (serviceWatches === 2) {
          if (goneAs === "an ERROR event in the watch stream") {
            res.writeHead(200, { "content-type": "application/json" });
            event(res, "ERROR", expired);
            return res.end();
          }
          res.writeHead(410, { "content-type": "application/json" });
          return res.end(JSON.stringify(expired));
        }
        return hold(res);
      }
      if (url.pathname === "/apis/storage.k8s.io/v1/storageclasses") {
        if (!watching) {
          return list(res, "StorageClassList", "5", [
            {
              metadata: { name: "standard", resourceVersion: "4", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
              provisioner: "rancher.io/local-path",
            },
          ]);
        }
        return hold(res);
      }
      for (const [path, kind] of [
        ["/apis/apps/v1/statefulsets", "StatefulSetList"],
        ["/api/v1/persistentvolumeclaims", "PersistentVolumeClaimList"],
        ["/apis/policy/v1/poddisruptionbudgets", "PodDisruptionBudgetList"],
      ]) {
        if (url.pathname !== path) continue;
        if (!watching) return list(res, kind!, "6", []);
        return hold(res);
      }
      res.writeHead(404).end();
    });
    const listening = await listenLocally(server, open);
    cleanup.push(listening.close);

    const api = { url: new URL(listening.url) };
    const store = memoryClusterStore();
    const view = clusterViewOf(store);
    const lines: Record<string, unknown>[] = [];
    let watch: ClusterWatch | undefined = watchCluster(api, store, { log: (line) => lines.push(line), retryMs: 100 });
    cleanup.push(() => watch?.stop());

    // The list is a sync: found, and "not found" is now a claim the view can make.
    await eventually(async () => {
      expect(await view.service("default", "a")).toMatchObject({ state: "found", value: { clusterIP: "None" } });
      expect(await view.service("default", "b")).toMatchObject({ state: "found" });
      expect(await view.service("default", "c")).toEqual({ state: "not-found" });
      expect(await view.defaultStorageClasses()).toMatchObject({ state: "found", value: [{ name: "standard" }] });
      expect(await view.statefulSet("default", "web")).toEqual({ state: "not-found" });
    });

    // The stream's events are observations.
    sendEvents.resolve();
    await eventually(async () => {
      expect(await view.service("default", "c")).toMatchObject({ state: "found" });
      expect(await view.service("default", "a")).toMatchObject({ value: { clusterIP: "10.96.0.1" } });
      expect(await view.service("default", "b")).toEqual({ state: "not-found" });
    });

    // Something the informer never saw (an /observe of a Service whose creation then failed) goes with the relist too.
    await store.observe("Service", { namespace: "default", name: "x", clusterIP: "None", selector: null }, "upsert");

    // The stream ends, the resumed watch gets 410 Gone, the relist replaces the kind.
    endStream.resolve();
    await eventually(async () => {
      expect(await view.service("default", "d")).toMatchObject({ state: "found" });
      expect(await view.service("default", "a")).toMatchObject({ value: { clusterIP: "10.96.0.5" } });
      expect(await view.service("default", "c")).toEqual({ state: "not-found" });
      expect(await view.service("default", "x")).toEqual({ state: "not-found" });
    });
    // The relist is stored before the informer resumes watching from the list's version.
    await eventually(async () =>
      expect(requests.filter((r) => r.includes("/api/v1/services"))).toEqual([
        "list /api/v1/services",
        "watch /api/v1/services rv=20",
        "watch /api/v1/services rv=23",
        "list /api/v1/services",
        "watch /api/v1/services rv=40",
      ]),
    );
    expect(lines.filter((l) => l.msg === "watch: listed" && l.kind === "Service")).toHaveLength(2);
    // Expiry relists at once; only a failure waits and is logged as one.
    expect(lines.filter((l) => l.kind === "Service" && l.msg !== "watch: listed").map((l) => l.msg)).toEqual([
      "watch: the version expired; listing again",
    ]);

    await watch.stop();
    watch = undefined;
  },
);
