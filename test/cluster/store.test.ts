/** The store's semantics (shared by the Durable Object and the Node store), exercised on the memory store. */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { recordOf } from "../../src/cluster/kinds.js";
import { type MemoryClusterStore, memoryClusterStore } from "../../src/cluster/memory-store.js";
import { clusterViewOf, committedSyncTtlMs, type LookupQuery, maxKeptCommits, observationGraceMs, syncSessionTtlMs } from "../../src/cluster/store.js";
import { defaultStorageClasses, type ServiceRecord } from "../../src/cluster/view.js";
import { storeContract } from "./store-contract.js";

const service = (name: string, clusterIP: string | null, namespace = "default"): ServiceRecord => ({
  namespace,
  name,
  clusterIP,
  selector: { app: name },
});

describe("lookups", () => {
  it("are unknown before a kind's first sync, then found or not found", async () => {
    const store = memoryClusterStore();
    const view = clusterViewOf(store);
    expect(await view.get("Service", "default", "web")).toEqual({
      state: "unknown",
      reason: "Services have not been synced to the cluster view yet (PUT /inventory)",
    });
    // An observation before any sync is still a fact: found works, misses stay unknown.
    await store.observe("Service", service("web", "None"), "upsert");
    expect(await view.get("Service", "default", "web")).toEqual({ state: "found", value: service("web", "None") });
    expect((await view.get("Service", "default", "db")).state).toBe("unknown");

    await store.replace({ Service: [] });
    expect(await view.get("Service", "default", "db")).toEqual({ state: "not-found" });
    // A sync of Services says nothing about StorageClasses.
    expect((await view.get("StorageClass", "", "fast")).state).toBe("unknown");
    expect((await defaultStorageClasses(view)).state).toBe("unknown");
  });

  it("find the default StorageClasses, and know when there is none", async () => {
    const store = memoryClusterStore();
    const view = clusterViewOf(store);
    await store.replace({ StorageClass: [] });
    expect(await defaultStorageClasses(view)).toEqual({ state: "found", value: [] });
    const standard = recordOf("StorageClass", {
      metadata: { name: "standard", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
      provisioner: "rancher.io/local-path",
    })!;
    const fast = recordOf("StorageClass", { metadata: { name: "fast" }, provisioner: "ebs.csi.aws.com", allowVolumeExpansion: true })!;
    await store.observe("StorageClass", standard, "upsert");
    await store.observe("StorageClass", fast, "upsert");
    expect(await defaultStorageClasses(view)).toEqual({
      state: "found",
      value: [{ name: "standard", provisioner: "rancher.io/local-path", allowVolumeExpansion: null, isDefault: true }],
    });
    expect(await view.get("StorageClass", "", "fast")).toMatchObject({ state: "found", value: { allowVolumeExpansion: true } });
  });
});

describe("the rules' view of a store", () => {
  it("sends the lookups one review makes at once to the store in one call, and gives each its own answer", async () => {
    const store = memoryClusterStore();
    await store.replace({ Service: [service("web-headless", "None")], StorageClass: [], StatefulSet: [] });
    const calls: LookupQuery[][] = [];
    const view = clusterViewOf({ ...store, lookupAll: (queries) => (calls.push([...queries]), store.lookupAll(queries)) });
    const [headless, missing, cls, defaults] = await Promise.all([
      view.get("Service", "default", "web-headless"),
      view.get("Service", "default", "web"),
      view.get("StorageClass", "", "fast"),
      defaultStorageClasses(view),
    ]);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toHaveLength(4);
    expect(headless).toEqual({ state: "found", value: service("web-headless", "None") });
    expect(missing).toEqual({ state: "not-found" });
    expect(cls).toEqual({ state: "not-found" });
    expect(defaults).toEqual({ state: "found", value: [] });
    // A later lookup is a new call: answers are never cached across reviews.
    await store.observe("Service", service("web", "10.0.0.1"), "upsert");
    expect(await view.get("Service", "default", "web")).toMatchObject({ state: "found" });
    expect(calls).toHaveLength(2);
  });

  it("fails every lookup of a batch when the store fails, so the bounded view can answer unknown for each", async () => {
    const view = clusterViewOf({ ...memoryClusterStore(), lookupAll: () => Promise.reject(new Error("store down")) });
    const answers = await Promise.allSettled([view.get("Service", "default", "web"), view.get("StorageClass", "", "fast")]);
    expect(answers.map((a) => a.status)).toEqual(["rejected", "rejected"]);
  });
});

describe("the store's contract, on the memory store", () => {
  // The sweep's timer and the store's clock are the fake ones: shouldAdvanceTime moves them with the real clock, and
  // expireSessions jumps them past the sessions' expiry.
  beforeAll(() => {
    vi.useFakeTimers({ shouldAdvanceTime: true, toFake: ["setTimeout", "clearTimeout", "Date"] });
  });
  afterAll(() => {
    vi.useRealTimers();
  });
  storeContract({
    fresh: () => memoryClusterStore(),
    async expireSessions(store) {
      const { table } = store as MemoryClusterStore;
      expect(table.sessions().length).toBeGreaterThan(0);
      await vi.advanceTimersByTimeAsync(syncSessionTtlMs + 1_000);
      // The timer alone dropped them.
      expect(table.sessions()).toEqual([]);
    },
  });
});

describe("ordering by time", () => {
  it("lets a PUT /inventory keep an object observed within the grace period that its List does not name, then drops it", async () => {
    let clock = 1_000_000;
    const store = memoryClusterStore({ now: () => clock });
    const view = clusterViewOf(store);
    const listed = [service("web", "None")];
    await store.replace({ Service: listed }, observationGraceMs);
    // The CronJob lists, then a Service is created (and observed), then the stale list arrives.
    clock += 20_000;
    await store.observe("Service", service("web-headless", "None"), "upsert");
    clock += 5_000;
    await store.replace({ Service: listed }, observationGraceMs);
    expect(await view.get("Service", "default", "web-headless")).toMatchObject({ state: "found" });
    // The next sync that still does not list it, past the grace period, is believed.
    clock += observationGraceMs;
    await store.replace({ Service: listed }, observationGraceMs);
    expect(await view.get("Service", "default", "web-headless")).toEqual({ state: "not-found" });
  });

  it("gives a list taken now (an informer's) no grace", async () => {
    let clock = 1_000_000;
    const store = memoryClusterStore({ now: () => clock });
    const view = clusterViewOf(store);
    await store.observe("Service", service("deleted-while-disconnected", "None"), "upsert");
    clock += 1;
    await store.replace({ Service: [] });
    expect(await view.get("Service", "default", "deleted-while-disconnected")).toEqual({ state: "not-found" });
  });

  it("refuses a PUT /inventory whose List may be older than the last committed sync's", async () => {
    let clock = 1_000_000;
    const store = memoryClusterStore({ now: () => clock });
    await store.replace({ Service: [service("web", "None")] });
    clock += 1_000;
    expect(await store.replace({ Service: [] }, observationGraceMs)).toMatchObject({ ok: false, status: 409 });
    expect((await store.summary()).kinds.Service.count).toBe(1);
  });

  it("keeps a commit's answer for a commit sent again, for as long and as many as it says", async () => {
    let clock = 1_000_000;
    const store = memoryClusterStore({ now: () => clock });
    const committed: string[] = [];
    for (let i = 0; i <= maxKeptCommits; i += 1) {
      const opened = await store.openSync(["Service"]);
      if (!opened.ok) throw new Error(opened.error);
      expect(await store.commitSync(opened.session)).toMatchObject({ ok: true });
      committed.push(opened.session);
      clock += 1;
    }
    // The oldest answer made room for the newest.
    expect(await store.commitSync(committed[0]!)).toMatchObject({ ok: false, status: 404 });
    expect(await store.commitSync(committed[1]!)).toMatchObject({ ok: true });
    clock += committedSyncTtlMs + 1;
    expect(await store.commitSync(committed.at(-1)!)).toMatchObject({ ok: false, status: 404 });
  });
});

describe("bounds", () => {
  it("stop at the size limit and then answer unknown instead of claiming not found", async () => {
    const store = memoryClusterStore({ maxRecordsPerKind: 2 });
    const view = clusterViewOf(store);
    const outcome = await store.replace({
      Service: ["a", "b", "c"].map((name) => service(name, "None")),
    });
    expect(outcome).toMatchObject({ ok: true, sync: { truncated: ["Service"] } });
    expect(await view.get("Service", "default", "a")).toMatchObject({ state: "found" });
    expect(await view.get("Service", "default", "c")).toEqual({
      state: "unknown",
      reason: "the cluster view holds only the first 2 Services",
    });
    expect((await store.summary()).kinds.Service).toMatchObject({ count: 2, complete: false });

    expect(await store.observe("Service", service("d", "None"), "upsert")).toBe("full");
    // Deleting makes room; tombstones give way to live records.
    await store.observe("Service", service("a", "None"), "delete");
    expect(await store.observe("Service", service("d", "None"), "upsert")).toBe("stored");

    await store.replace({ Service: [service("e", "None")] });
    expect(await view.get("Service", "default", "c")).toEqual({ state: "not-found" });
    expect((await store.summary()).kinds.Service.complete).toBe(true);
  });

  it("keep only the fields the rules read of a huge object", async () => {
    const huge = {
      metadata: {
        name: "web",
        namespace: "default",
        annotations: { big: "x".repeat(1_000_000) },
        labels: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`l${i}`, "v"])),
      },
      spec: {
        clusterIP: "None",
        selector: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, "y".repeat(10_000)])),
        ports: Array.from({ length: 1000 }, (_, i) => ({ port: i })),
      },
    };
    const record = recordOf("Service", huge)!;
    expect(Object.keys(record).sort()).toEqual(["clusterIP", "name", "namespace", "selector"]);
    expect(JSON.stringify(record).length).toBeLessThan(64 * 2 * 260 + 200);
  });

  it("leave out a __proto__ key of a label map, whatever it holds, as the schema does not check it", () => {
    const service = JSON.parse('{"metadata":{"name":"web"},"spec":{"selector":{"__proto__":{"a":"b"},"app":"web"}}}');
    const record = recordOf("Service", service) as ServiceRecord;
    expect(record.selector).toEqual({ app: "web" });
    expect(Object.getPrototypeOf(record.selector)).toBe(Object.prototype);
  });
});

describe("summary", () => {
  it("counts live records per kind and reports the last sync", async () => {
    let now = Date.parse("2026-05-01T10:00:00Z");
    const store = memoryClusterStore({ now: () => now });
    expect(await store.summary()).toEqual({
      kinds: {
        Service: { count: 0, syncedAt: null, complete: false },
        StorageClass: { count: 0, syncedAt: null, complete: false },
        StatefulSet: { count: 0, syncedAt: null, complete: false },
        PersistentVolumeClaim: { count: 0, syncedAt: null, complete: false },
        PodDisruptionBudget: { count: 0, syncedAt: null, complete: false },
      },
      lastSyncAt: null,
      syncSessions: { open: 0, stagedBytes: 0 },
    });
    await store.replace({ Service: [service("web", "None")], StorageClass: [], StatefulSet: [] });
    now += 60_000;
    await store.replace({ StatefulSet: [] });
    const summary = await store.summary();
    expect(summary.kinds.Service).toEqual({ count: 1, syncedAt: "2026-05-01T10:00:00.000Z", complete: true });
    expect(summary.lastSyncAt).toBe("2026-05-01T10:01:00.000Z");
  });
});
