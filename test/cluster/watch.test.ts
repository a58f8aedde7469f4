/**
 * The in-cluster watch against a small local API server speaking the list/watch protocol: a list, then a stream of
 * ADDED/MODIFIED/DELETED events, then 410 Gone, which must force a relist that replaces what the store holds.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it, vi } from "vitest";
import { fakeApiServer } from "../support/fake-api.js";
import { listenLocally } from "../../scripts/servers.js";
import { clusterKinds } from "../../src/cluster/kinds.js";
import { memoryClusterStore } from "../../src/cluster/memory-store.js";
import { clusterViewOf } from "../../src/cluster/store.js";
import { defaultStorageClasses } from "../../src/cluster/view.js";
import { ApiTimeoutError, applyObject, defaultRequestTimeoutMs, deleteObject } from "../../src/node/kube-api.js";
import { persistentClusterStore } from "../../src/node/state-file.js";
import { backoff, type ClusterWatch, reflectorTiming, type WatchTiming, watchCluster } from "../../src/node/watch.js";

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
/** Retries `check` until it passes (vitest's own waitFor); the bound only catches a hang. */
const eventually = (check: () => void | Promise<void>, timeout = 10_000) => vi.waitFor(check, { timeout, interval: 25 });

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
    let watch: ClusterWatch | undefined = watchCluster(api, store, { log: (line) => lines.push(line), timing: { backoffInitialMs: 20 } });
    cleanup.push(() => watch?.stop());

    // The list is a sync: found, and "not found" is now a claim the view can make.
    await eventually(async () => {
      expect(await view.get("Service", "default", "a")).toMatchObject({ state: "found", value: { clusterIP: "None" } });
      expect(await view.get("Service", "default", "b")).toMatchObject({ state: "found" });
      expect(await view.get("Service", "default", "c")).toEqual({ state: "not-found" });
      expect(await defaultStorageClasses(view)).toMatchObject({ state: "found", value: [{ name: "standard" }] });
      expect(await view.get("StatefulSet", "default", "web")).toEqual({ state: "not-found" });
    });

    // The stream's events are observations.
    sendEvents.resolve();
    await eventually(async () => {
      expect(await view.get("Service", "default", "c")).toMatchObject({ state: "found" });
      expect(await view.get("Service", "default", "a")).toMatchObject({ value: { clusterIP: "10.96.0.1" } });
      expect(await view.get("Service", "default", "b")).toEqual({ state: "not-found" });
    });

    // Something the informer never saw (an /observe of a Service whose creation then failed) goes with the relist too.
    await store.observe("Service", { namespace: "default", name: "x", clusterIP: "None", selector: null }, "upsert");

    // The stream ends, the resumed watch gets 410 Gone, the relist replaces the kind.
    endStream.resolve();
    await eventually(async () => {
      expect(await view.get("Service", "default", "d")).toMatchObject({ state: "found" });
      expect(await view.get("Service", "default", "a")).toMatchObject({ value: { clusterIP: "10.96.0.5" } });
      expect(await view.get("Service", "default", "c")).toEqual({ state: "not-found" });
      expect(await view.get("Service", "default", "x")).toEqual({ state: "not-found" });
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
    // The first list is logged, and the expiry once; the relist is not a new state of the view.
    expect(lines.filter((l) => l.kind === "Service").map((l) => l.msg)).toEqual(["watch: listed", "watch: listing again with backoff"]);

    await watch.stop();
    watch = undefined;
  },
);

/**
 * The reflector's timing scaled down 100 times, so a test sees minutes of retries in seconds: backoff 8 ms doubling
 * to 300 ms, reset after 1.2 s without a retry; list pages time out after 600 ms; stale after 900 ms.
 */
const scaled = (factor: number): WatchTiming =>
  Object.fromEntries(Object.entries(reflectorTiming).map(([name, value]) => [name, name === "backoffFactor" || name === "backoffJitter" ? value : value / factor])) as unknown as WatchTiming;
const fast = scaled(100);

const webService = (name: string) => ({ apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default" }, spec: { clusterIP: "None" } });

it("keeps client-go's reflector timing by default", () => {
  expect(reflectorTiming).toEqual({
    backoffInitialMs: 800,
    backoffFactor: 2,
    backoffCapMs: 30_000,
    backoffJitter: 1,
    backoffResetMs: 120_000,
    minWatchTimeoutMs: 300_000,
    watchIdleMs: 120_000,
    listTimeoutMs: 60_000,
    staleAfterMs: 90_000,
  });
});

it("backs off exponentially up to the cap, jitters each delay by up to itself, and starts over after a quiet period", () => {
  let now = 0;
  const low = backoff(reflectorTiming, () => 0, () => now);
  expect(Array.from({ length: 9 }, () => low())).toEqual([800, 1_600, 3_200, 6_400, 12_800, 25_600, 30_000, 30_000, 30_000]);
  const high = backoff(reflectorTiming, () => 0.999, () => now);
  const delays = Array.from({ length: 8 }, () => high());
  expect(delays[0]).toBeCloseTo(1_599.2);
  expect(delays.at(-1)).toBeCloseTo(59_970);
  // Retries less than two minutes apart keep the backoff where it is; a longer quiet starts over.
  now += 119_000;
  expect(low()).toBe(30_000);
  now += 121_000;
  expect(low()).toBe(800);
});

it("backs off on every retry path: 410 Gone as status or event, streams that end at once, 500s, watches never answered", { timeout: 30_000 }, async () => {
  const api = await fakeApiServer();
  cleanup.push(api.close);
  api.put("Service", webService("web"));
  api.setFault("Service", "gone");
  api.setFault("StorageClass", "gone-event");
  api.setFault("StatefulSet", "end-at-once");
  api.setFault("PersistentVolumeClaim", "error");
  api.setFault("PodDisruptionBudget", "hang-watch");
  const lines: Record<string, unknown>[] = [];
  const started = Date.now();
  const store = memoryClusterStore();
  const watch = watchCluster({ url: new URL(api.url) }, store, { log: (line) => lines.push(line), timing: fast });
  cleanup.push(() => watch.stop());
  await new Promise((resolve) => setTimeout(resolve, 4_500));
  // A watch that is never answered is given up after the idle timeout, and its kind is stale: listed, then nothing.
  expect((await store.summary()).kinds.PodDisruptionBudget.stale?.reason).toContain("watch=true: no answer within 1.2 s");
  expect(api.requests.filter((r) => r.kind === "PodDisruptionBudget" && r.verb === "list")).toHaveLength(1);
  expect(api.requests.filter((r) => r.kind === "PodDisruptionBudget" && r.verb === "watch").length).toBeGreaterThanOrEqual(2);
  await watch.stop();

  // Once at the cap (after 8+16+...+256 ms of retries at the least), a kind retries at most once per 300 ms.
  const window = { from: started + 1_500, to: started + 4_500 };
  const bound = (window.to - window.from) / fast.backoffCapMs + 1;
  for (const kind of clusterKinds) {
    const retries = api.requests.filter((r) => r.kind === kind && r.at >= window.from && r.at < window.to);
    const lists = retries.filter((r) => r.verb === "list").length;
    const watches = retries.filter((r) => r.verb === "watch").length;
    expect({ kind, lists: Math.min(lists, bound), watches: Math.min(watches, bound) }).toEqual({ kind, lists, watches });
  }
  // 410 relists (it says the version is gone); a stream that ends at once resumes from its version, never relists.
  expect(api.requests.filter((r) => r.kind === "Service" && r.verb === "list").length).toBeGreaterThan(3);
  expect(api.requests.filter((r) => r.kind === "StatefulSet" && r.verb === "list")).toHaveLength(1);
  expect(api.requests.filter((r) => r.kind === "StatefulSet" && r.verb === "watch").length).toBeGreaterThan(3);
  // A watch asks for bookmarks and a timeout between minWatchTimeout and twice that.
  for (const request of api.requests.filter((r) => r.verb === "watch")) {
    expect(request.query.get("allowWatchBookmarks")).toBe("true");
    expect(Number(request.query.get("timeoutSeconds"))).toBeGreaterThanOrEqual(Math.round(fast.minWatchTimeoutMs / 1000));
    expect(Number(request.query.get("timeoutSeconds"))).toBeLessThanOrEqual(Math.round((2 * fast.minWatchTimeoutMs) / 1000));
  }
  // One line per run of failures, not one per retry.
  for (const kind of clusterKinds) {
    expect(lines.filter((l) => l.kind === kind && l.level === "warn" && l.msg !== "watch: stale").length).toBe(1);
  }
});

it("times a hung list out, marks the kind stale within staleAfter, and is exact again once the API server answers", { timeout: 30_000 }, async () => {
  const api = await fakeApiServer();
  cleanup.push(api.close);
  api.put("Service", webService("web"));
  api.setFault("Service", "hang");
  const store = memoryClusterStore();
  const view = clusterViewOf(store);
  const lines: Record<string, unknown>[] = [];
  const started = Date.now();
  const watch = watchCluster({ url: new URL(api.url) }, store, { log: (line) => lines.push(line), timing: fast });
  cleanup.push(() => watch.stop());

  // The other kinds are listed and watched; Services are stale once staleAfter has passed without a list.
  await eventually(async () => expect((await store.summary()).kinds.Service.stale).toBeDefined(), 10_000);
  expect(Date.now() - started).toBeGreaterThanOrEqual(fast.staleAfterMs - 50);
  // The reason names the latest failure: the list's timeout.
  await eventually(async () =>
    expect((await store.summary()).kinds.Service).toMatchObject({ complete: false, stale: { reason: expect.stringContaining("no complete answer within 0.6 s") } }),
  );
  const summary = await store.summary();
  await eventually(async () => expect((await store.summary()).kinds.StorageClass).toMatchObject({ complete: true }), 10_000);
  expect(await view.get("Service", "default", "web")).toMatchObject({ state: "unknown", reason: expect.stringContaining("Services in the cluster view are stale since") });
  expect(watch.readiness()).toMatchObject({ name: "cluster-view", ready: true, degraded: true, detail: expect.stringContaining("stale: Services") });
  // The hung list was given up after the list timeout and asked again after a backoff.
  await eventually(async () => expect(api.requests.filter((r) => r.kind === "Service").length).toBeGreaterThanOrEqual(2), 10_000);
  const [firstList, secondList] = api.requests.filter((r) => r.kind === "Service");
  expect(secondList!.at - firstList!.at).toBeGreaterThanOrEqual(fast.listTimeoutMs + fast.backoffInitialMs - 50);

  // The API server answers again, with a change made meanwhile: the view is current and exact.
  api.put("Service", webService("api"));
  api.setFault("Service", undefined);
  await eventually(async () => expect(await view.get("Service", "default", "api")).toMatchObject({ state: "found" }), 10_000);
  expect(await view.get("Service", "default", "web")).toMatchObject({ state: "found" });
  expect(await view.get("Service", "default", "gone")).toEqual({ state: "not-found" });
  expect((await store.summary()).kinds.Service).toMatchObject({ complete: true, count: 2 });
  expect((await store.summary()).kinds.Service.stale).toBeUndefined();
  expect(watch.readiness()).toEqual({ name: "cluster-view", ready: true, detail: "watching" });
  expect(lines.filter((l) => l.kind === "Service").map((l) => l.msg)).toEqual([
    "watch: list or watch failed; retrying with backoff",
    "watch: stale",
    "watch: current again",
    "watch: listed",
  ]);
});

it("after a restart trusts the state file's view only until staleAfter, unless a list confirms it first", { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "stateward-watch-"));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "cluster.json");
  const before = persistentClusterStore(file, { debounceMs: 0 });
  await before.store.replace({ Service: [{ namespace: "default", name: "web", clusterIP: "None", selector: null }] });
  await before.flush();

  const api = await fakeApiServer();
  cleanup.push(api.close);
  for (const kind of clusterKinds) api.setFault(kind, "hang");
  const { store } = persistentClusterStore(file, { debounceMs: 0 });
  const view = clusterViewOf(store);
  const watch = watchCluster({ url: new URL(api.url) }, store, { log: () => {}, timing: fast });
  cleanup.push(() => watch.stop());

  // Until then the state file's records answer, and the summary says they are not confirmed yet.
  expect(await view.get("Service", "default", "web")).toMatchObject({ state: "found" });
  expect((await store.summary()).kinds.Service).toMatchObject({ complete: true, unconfirmedUntil: expect.any(String) });
  expect(watch.readiness()).toMatchObject({ ready: true, detail: expect.stringContaining("listing Services") });
  await eventually(async () => expect(await view.get("Service", "default", "web")).toMatchObject({ state: "unknown" }), 10_000);
  expect(await view.get("Service", "default", "web")).toMatchObject({ reason: expect.stringContaining("Services in the cluster view are stale since") });
  expect((await store.summary()).kinds.Service).toMatchObject({ complete: false, stale: expect.any(Object) });
});

it("resumes from a bookmark's version, and reopens a watch that stays silent past the idle timeout without a list", { timeout: 30_000 }, async () => {
  const quiet = await fakeApiServer();
  const bookmarking = await fakeApiServer({ bookmarkMs: 100 });
  cleanup.push(quiet.close, bookmarking.close);
  const lines: Record<string, unknown>[] = [];
  const watches = [quiet, bookmarking].map((api) => {
    api.put("Service", webService("web"));
    // Stale only after 5 s: a loaded machine's pauses must not turn a healthy view stale here.
    const watch = watchCluster({ url: new URL(api.url) }, memoryClusterStore(), { log: (line) => lines.push(line), timing: { ...fast, staleAfterMs: 5_000 } });
    cleanup.push(() => watch.stop());
    return watch;
  });
  const serviceWatches = (api: typeof quiet) => api.requests.filter((r) => r.kind === "Service" && r.verb === "watch");
  await eventually(async () => expect(serviceWatches(bookmarking)).toHaveLength(1));
  const listVersion = Number(serviceWatches(bookmarking)[0]!.query.get("resourceVersion"));
  // Another kind's change moves the server's version on; only a bookmark tells the Services' watch about it.
  bookmarking.put("StorageClass", { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "fast" }, provisioner: "x" });
  await new Promise((resolve) => setTimeout(resolve, 300));
  bookmarking.endWatches();
  await eventually(async () => expect(serviceWatches(bookmarking).length).toBeGreaterThanOrEqual(2));
  expect(Number(serviceWatches(bookmarking)[1]!.query.get("resourceVersion"))).toBe(listVersion + 1);

  // Without bookmarks, a watch silent for the idle timeout (1.2 s here) is closed and opened again from its version.
  await new Promise((resolve) => setTimeout(resolve, 2 * fast.watchIdleMs + 500));
  expect(serviceWatches(quiet).length).toBeGreaterThanOrEqual(2);
  expect(new Set(serviceWatches(quiet).map((r) => r.query.get("resourceVersion"))).size).toBe(1);
  // Bookmarks keep a watch from ever going idle; neither server was asked for a second list, nothing failed.
  expect(serviceWatches(bookmarking)).toHaveLength(2);
  for (const api of [quiet, bookmarking]) expect(api.requests.filter((r) => r.kind === "Service" && r.verb === "list")).toHaveLength(1);
  expect(lines.filter((l) => l.level !== "info")).toEqual([]);
  for (const watch of watches) expect(watch.readiness().detail).toBe("watching");
});

it("gives every other request to the API server a timeout too: PolicyReport applies and deletes", { timeout: 30_000 }, async () => {
  const held = new Set<ServerResponse>();
  const server = createServer((_req, res) => void held.add(res));
  const listening = await listenLocally(server, held);
  cleanup.push(listening.close);
  const api = { url: new URL(listening.url) };
  const path = "/apis/wgpolicyk8s.io/v1alpha2/namespaces/default/policyreports/stateward-audit";
  await expect(applyObject(api, path, { kind: "PolicyReport" }, 200)).rejects.toThrow(ApiTimeoutError);
  await expect(deleteObject(api, path, 200)).rejects.toThrow(/DELETE .*stateward-audit: no complete answer within 0.2 s/);
  expect(defaultRequestTimeoutMs).toBe(60_000);
});
