/**
 * The store's contract, run on every store: the memory store in Node (store.test.ts) and the SQLite Durable Object in
 * workerd (store.worker.test.ts). Sources are fed through the same functions the routes use.
 */
import { expect, it } from "vitest";
import type { AdmissionRequest } from "../../src/k8s/admission.js";
import { type ClusterKind, clusterKinds, kindInfo } from "../../src/cluster/kinds.js";
import { maxListed } from "../../src/cluster/view.js";
import { observeRequest, openSync, stageSyncPage, syncInventory } from "../../src/cluster/ingest.js";
import { type ClusterStore, clusterViewOf, maxStagedBytes, maxSyncSessions } from "../../src/cluster/store.js";

export interface ContractOptions {
  /** A new, empty store. */
  fresh(): ClusterStore;
  /**
   * Lets every open sync session of `store` expire and waits for the runtime's own sweep (the memory store's timer, the
   * Durable Object's alarm); no store call in between.
   */
  expireSessions(store: ClusterStore): Promise<void>;
}

/** Lets the clock move on, so what follows happens strictly later than what preceded. */
export const later = () => new Promise((resolve) => setTimeout(resolve, 5));

/** An AdmissionRequest for an object of `kind`, as the /observe webhook receives it. */
export function change(kind: ClusterKind, operation: "CREATE" | "UPDATE" | "DELETE", object: Record<string, unknown>): AdmissionRequest {
  const { group, version, resource } = kindInfo[kind];
  const metadata = object.metadata as { name: string; namespace?: string };
  return {
    uid: crypto.randomUUID(),
    kind: { group, version, kind },
    resource: { group, version, resource },
    operation,
    name: metadata.name,
    namespace: metadata.namespace,
    object: operation === "DELETE" ? null : object,
    oldObject: operation === "DELETE" ? object : null,
    userInfo: {},
  } as unknown as AdmissionRequest;
}

const storageClass = (resourceVersion: string, allowVolumeExpansion: boolean) => ({
  apiVersion: "storage.k8s.io/v1",
  kind: "StorageClass",
  metadata: { name: "fast", resourceVersion },
  provisioner: "ebs.csi.aws.com",
  allowVolumeExpansion,
});

const service = (resourceVersion: string, selector: Record<string, string>, name = "web") => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace: "default", resourceVersion },
  spec: { clusterIP: "None", selector },
});

const list = (...items: unknown[]) => ({ apiVersion: "v1", kind: "List", items });

/** An object of `kind` as the API server lists it (a cluster-scoped one ignores `namespace`). */
function object(kind: ClusterKind, namespace: string, name: string): Record<string, unknown> {
  const { group, version, namespaced } = kindInfo[kind];
  const metadata = { name, ...(namespaced ? { namespace } : {}), uid: `uid-${namespace}-${name}` };
  const base = { apiVersion: group ? `${group}/${version}` : version, kind, metadata };
  switch (kind) {
    case "Service":
      return { ...base, spec: { clusterIP: "None", selector: { app: name } } };
    case "StorageClass":
      return { ...base, provisioner: "ebs.csi.aws.com", allowVolumeExpansion: true };
    case "StatefulSet":
      return { ...base, spec: { replicas: 2, serviceName: name, template: { metadata: { labels: { app: name } } } } };
    case "PersistentVolumeClaim":
      return { ...base, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } };
    case "PodDisruptionBudget":
      return { ...base, spec: { maxUnavailable: 1, selector: { matchLabels: { app: name } } } };
  }
}

/** A paged sync of one kind: opened, then `between` runs (the list is being taken), then one page and the commit. */
async function pagedSync(store: ClusterStore, kind: ClusterKind, objects: unknown[], between = async () => {}) {
  const opened = await openSync(store, { kinds: [kind] });
  if (!opened.ok) throw new Error(opened.error);
  await between();
  const records = objects.map((o) => kindInfo[kind].record(o, "default"));
  const staged = await stageSyncPage(store, opened.session, { kind, records });
  if (!staged.ok) throw new Error(staged.error);
  return store.commitSync(opened.session);
}

/** Generous: the first call to a Durable Object starts it, and CI machines are loaded. */
export function storeContract({ fresh, expireSessions }: ContractOptions): void {
  it("(a) a forged 40-digit resourceVersion outranks nothing, and does not outlive the next sync", { timeout: 30_000 }, async () => {
    const store = fresh();
    const view = clusterViewOf(store);
    await syncInventory(store, list(storageClass("100", true)));
    const forged = "9".repeat(40);
    expect(await observeRequest(store, change("StorageClass", "UPDATE", storageClass(forged, false)))).toMatchObject({ outcome: "stored" });
    expect(await view.get("StorageClass", "", "fast")).toMatchObject({ value: { allowVolumeExpansion: false } });
    // The real update that follows is stored, not dropped as "stale".
    await later();
    expect(await observeRequest(store, change("StorageClass", "UPDATE", storageClass("101", true)))).toMatchObject({ outcome: "stored" });
    expect(await view.get("StorageClass", "", "fast")).toMatchObject({ value: { allowVolumeExpansion: true } });
    // So is a real delete.
    await observeRequest(store, change("StorageClass", "UPDATE", storageClass(forged, false)));
    await later();
    expect(await observeRequest(store, change("StorageClass", "DELETE", storageClass("102", true)))).toMatchObject({ outcome: "removed" });
    expect(await view.get("StorageClass", "", "fast")).toEqual({ state: "not-found" });

    // Forged again; the next sync, listed after it, is believed.
    await observeRequest(store, change("StorageClass", "CREATE", storageClass(forged, false)));
    await later();
    const synced = await pagedSync(store, "StorageClass", [storageClass("103", true)]);
    expect(synced).toMatchObject({ ok: true, sync: { keptObserved: 0, counts: { StorageClass: 1 } } });
    expect(await view.get("StorageClass", "", "fast")).toMatchObject({ state: "found", value: { allowVolumeExpansion: true } });
  });

  it("(b) an observed UPDATE outranks a List taken before it that carries the same resourceVersion, until a later sync", { timeout: 30_000 }, async () => {
    const store = fresh();
    const view = clusterViewOf(store);
    const broken = { app: "wbe" };
    const fixed = { app: "web" };
    await syncInventory(store, list(service("200", broken)));
    await later();

    // A paged sync whose list was taken before the fix commits after it: the fix stays.
    const paged = await pagedSync(store, "Service", [service("200", broken)], async () => {
      await later();
      await observeRequest(store, change("Service", "UPDATE", service("200", fixed)));
    });
    expect(paged).toMatchObject({ ok: true, sync: { keptObserved: 1 } });
    expect(await view.get("Service", "default", "web")).toMatchObject({ value: { selector: fixed } });

    // A sync whose list was taken after the fix is authoritative, whatever it says.
    await later();
    expect(await pagedSync(store, "Service", [service("201", fixed, "web"), service("5", broken, "api")])).toMatchObject({
      ok: true,
      sync: { keptObserved: 0, counts: { Service: 2 } },
    });
    expect(await view.get("Service", "default", "api")).toMatchObject({ state: "found" });

    // The same for a PUT /inventory, whose List may be up to a minute old: the fix observed a moment ago stays.
    const other = fresh();
    await syncInventory(other, list(service("200", broken)));
    await later();
    await observeRequest(other, change("Service", "UPDATE", service("200", fixed)));
    expect(await syncInventory(other, list(service("200", broken)))).toMatchObject({ ok: true, sync: { keptObserved: 1 } });
    expect(await clusterViewOf(other).get("Service", "default", "web")).toMatchObject({ value: { selector: fixed } });
  });

  it("keeps a deletion observed after the list was taken, and drops what a later list does not name", { timeout: 30_000 }, async () => {
    const store = fresh();
    const view = clusterViewOf(store);
    await syncInventory(store, list(service("1", {}, "a"), service("2", {}, "b")));
    await later();
    await pagedSync(store, "Service", [service("1", {}, "a"), service("2", {}, "b")], async () => {
      await later();
      await observeRequest(store, change("Service", "DELETE", service("3", {}, "b")));
    });
    expect(await view.get("Service", "default", "b")).toEqual({ state: "not-found" });
    expect((await store.summary()).kinds.Service.count).toBe(1);

    // Observed before the list was taken, and not in it: gone.
    await observeRequest(store, change("Service", "CREATE", service("4", {}, "c")));
    await later();
    await pagedSync(store, "Service", [service("1", {}, "a")]);
    expect(await view.get("Service", "default", "c")).toEqual({ state: "not-found" });
  });

  it("shows nothing of a sync until its last page is committed, and nothing ever of an abandoned one", { timeout: 30_000 }, async () => {
    const store = fresh();
    const view = clusterViewOf(store);
    const opened = await openSync(store, { kinds: ["Service", "PersistentVolumeClaim"] });
    if (!opened.ok) throw new Error(opened.error);
    const first = await stageSyncPage(store, opened.session, { kind: "Service", records: [kindInfo.Service.record(service("1", {}, "a"), "default")] });
    expect(first).toEqual({ ok: true, staged: { Service: 1 } });
    expect((await view.get("Service", "default", "a")).state).toBe("unknown");
    expect((await store.summary()).kinds.Service).toMatchObject({ count: 0, syncedAt: null });

    await stageSyncPage(store, opened.session, { kind: "Service", records: [kindInfo.Service.record(service("1", {}, "b"), "default")] });
    const committed = await store.commitSync(opened.session);
    expect(committed).toMatchObject({ ok: true, sync: { counts: { Service: 2, PersistentVolumeClaim: 0 } } });
    expect(await view.get("Service", "default", "b")).toMatchObject({ state: "found" });
    expect(await view.get("PersistentVolumeClaim", "default", "data-db-0")).toEqual({ state: "not-found" });
    // A committed session takes no more pages; a commit sent again (the first answer was lost) gets the same answer.
    expect(await stageSyncPage(store, opened.session, { kind: "Service", records: [] })).toMatchObject({ ok: false, status: 404 });
    expect(await store.commitSync(opened.session)).toEqual(committed);

    const abandoned = await openSync(store, { kinds: ["Service"] });
    if (!abandoned.ok) throw new Error(abandoned.error);
    await stageSyncPage(store, abandoned.session, { kind: "Service", records: [] });
    expect((await store.summary()).kinds.Service.count).toBe(2);
  });

  it("refuses a page of a kind the session does not replace, a bad record, and a commit overtaken by a later list", { timeout: 30_000 }, async () => {
    const store = fresh();
    const opened = await openSync(store, { kinds: ["Service"] });
    if (!opened.ok) throw new Error(opened.error);
    expect(await stageSyncPage(store, opened.session, { kind: "StorageClass", records: [] })).toMatchObject({ ok: false, status: 400 });
    expect(await stageSyncPage(store, opened.session, { kind: "Service", records: [{ name: "x" }] })).toMatchObject({
      ok: false,
      status: 400,
      error: expect.stringMatching(/^records\[0\]: not a Service record: /),
    });
    expect(await stageSyncPage(store, "no-such-session", { kind: "Service", records: [] })).toMatchObject({ ok: false, status: 404 });

    await later();
    const newer = await openSync(store, { kinds: ["Service"] });
    if (!newer.ok) throw new Error(newer.error);
    expect(await store.commitSync(newer.session)).toMatchObject({ ok: true });
    const overtaken = await store.commitSync(opened.session);
    expect(overtaken).toMatchObject({ ok: false, status: 409 });
    expect(await store.commitSync(opened.session)).toEqual(overtaken);
  });

  it("keeps at most maxSyncSessions open, and frees an abandoned one's records when it expires, unasked", { timeout: 60_000 }, async () => {
    const store = fresh();
    const sessions: string[] = [];
    for (let i = 0; i < maxSyncSessions; i += 1) {
      const opened = await openSync(store, { kinds: ["Service"] });
      if (!opened.ok) throw new Error(opened.error);
      sessions.push(opened.session);
      const records = [kindInfo.Service.record(service("1", { app: "x" }, `svc-${i}`), "default")];
      expect(await stageSyncPage(store, opened.session, { kind: "Service", records })).toMatchObject({ ok: true });
    }
    expect(await openSync(store, { kinds: ["Service"] })).toMatchObject({
      ok: false,
      status: 429,
      error: expect.stringContaining(`(maxSyncSessions ${maxSyncSessions})`),
    });
    const held = (await store.summary()).syncSessions;
    expect(held.open).toBe(maxSyncSessions);
    expect(held.stagedBytes).toBeGreaterThan(0);

    // A committed session leaves room for the next.
    expect(await store.commitSync(sessions.pop()!)).toMatchObject({ ok: true });
    const next = await openSync(store, { kinds: ["Service"] });
    expect(next).toMatchObject({ ok: true });

    await expireSessions(store);
    expect((await store.summary()).syncSessions).toEqual({ open: 0, stagedBytes: 0 });
    expect(await store.commitSync(sessions[0]!)).toMatchObject({ ok: false, status: 404 });
    expect(await openSync(store, { kinds: ["Service"] })).toMatchObject({ ok: true });
  });

  it("refuses a page past the bytes all open syncs may stage (413), and drops that sync at once", { timeout: 60_000 }, async () => {
    const store = fresh();
    const opened = await openSync(store, { kinds: ["Service"] });
    if (!opened.ok) throw new Error(opened.error);
    // Selectors at the record's bounds (64 entries of 253 characters): ~32 KiB a record, ~2.6 MiB a page.
    const selector = (i: number) => Object.fromEntries(Array.from({ length: 64 }, (_, k) => [`k${k}-${i}`.padEnd(253, "k"), "v".repeat(253)]));
    const page = (from: number) =>
      Array.from({ length: 80 }, (_, i) => ({ namespace: "default", name: `svc-${from + i}`, clusterIP: "None", selector: selector(from + i) }));
    let refused: unknown;
    for (let n = 0; n < 40 && !refused; n += 1) {
      const staged = await stageSyncPage(store, opened.session, { kind: "Service", records: page(n * 80) });
      if (!staged.ok) refused = staged;
    }
    expect(refused).toMatchObject({ ok: false, status: 413, error: expect.stringContaining(`over the store's bound of ${maxStagedBytes} (maxStagedBytes)`) });
    expect((await store.summary()).syncSessions).toEqual({ open: 0, stagedBytes: 0 });
    expect(await store.commitSync(opened.session)).toMatchObject({ ok: false, status: 404 });
  });

  it("holds PersistentVolumeClaims and PodDisruptionBudgets, and finds a namespace's budgets", { timeout: 30_000 }, async () => {
    const store = fresh();
    const view = clusterViewOf(store);
    expect((await view.list("PodDisruptionBudget", "db")).state).toBe("unknown");
    const budget = (namespace: string, name: string) => ({
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { namespace, name },
      spec: { maxUnavailable: 1, selector: { matchLabels: { app: name } } },
    });
    const claim = {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { namespace: "db", name: "data-pg-0" },
      spec: { storageClassName: "fast", accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Gi" } }, volumeName: "pv-1" },
    };
    await syncInventory(store, list(budget("db", "pg"), budget("db", "redis"), budget("db-2", "pg"), budget("d", "x"), claim));
    expect(await view.list("PodDisruptionBudget", "db")).toEqual({
      state: "found",
      value: [
        { namespace: "db", name: "pg", selector: { matchLabels: { app: "pg" }, matchExpressions: [] }, minAvailable: null, maxUnavailable: 1 },
        { namespace: "db", name: "redis", selector: { matchLabels: { app: "redis" }, matchExpressions: [] }, minAvailable: null, maxUnavailable: 1 },
      ],
    });
    expect(await view.list("PodDisruptionBudget", "web")).toEqual({ state: "found", value: [] });
    expect(await view.get("PersistentVolumeClaim", "db", "data-pg-0")).toEqual({
      state: "found",
      value: { namespace: "db", name: "data-pg-0", storageClassName: "fast", storage: "10Gi", accessModes: ["ReadWriteOnce"], volumeName: "pv-1" },
    });
    await later();
    await observeRequest(store, change("PodDisruptionBudget", "DELETE", budget("db", "pg")));
    expect(await view.list("PodDisruptionBudget", "db")).toMatchObject({ value: [{ name: "redis" }] });
    expect((await store.summary()).kinds).toMatchObject({ PodDisruptionBudget: { count: 3 }, PersistentVolumeClaim: { count: 1 } });
  });

  it("finds a namespace's StatefulSets with their replicas and pod labels, for what a budget selects, without audit copies", { timeout: 30_000 }, async () => {
    const store = fresh();
    const view = clusterViewOf(store);
    expect((await view.list("StatefulSet", "db")).state).toBe("unknown");
    const set = (namespace: string, name: string, replicas?: number) => ({
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { namespace, name },
      spec: { ...(replicas === undefined ? {} : { replicas }), template: { metadata: { labels: { app: name } } } },
    });
    await syncInventory(store, list(set("db", "pg", 3), set("db", "redis"), set("db-2", "pg", 5), set("d", "x", 1)));
    const found = await view.list("StatefulSet", "db");
    expect(found).toEqual({
      state: "found",
      value: [
        { namespace: "db", name: "pg", templateLabels: { app: "pg" }, replicas: 3, claimTemplates: [] },
        { namespace: "db", name: "redis", templateLabels: { app: "redis" }, replicas: 1, claimTemplates: [] },
      ],
    });
    expect(await view.list("StatefulSet", "web")).toEqual({ state: "found", value: [] });
    await later();
    await observeRequest(store, change("StatefulSet", "DELETE", set("db", "pg", 3)));
    expect(await view.list("StatefulSet", "db")).toMatchObject({ value: [{ name: "redis" }] });
  });

  it("lists a namespace's Services, for the suggestion of a misspelt serviceName", { timeout: 30_000 }, async () => {
    const store = fresh();
    const view = clusterViewOf(store);
    expect((await view.list("Service", "default")).state).toBe("unknown");
    const elsewhere = { ...service("1", {}, "db"), metadata: { name: "db", namespace: "default-2", resourceVersion: "1" } };
    await syncInventory(store, list(service("1", {}, "web-hl"), service("1", {}, "cache"), elsewhere));
    const names = async (namespace: string) => {
      const listed = await view.list("Service", namespace);
      return listed.state === "found" ? listed.value.map((s) => s.name).sort() : listed;
    };
    expect(await names("default")).toEqual(["cache", "web-hl"]);
    expect(await names("web")).toEqual([]);
    await later();
    await observeRequest(store, change("Service", "DELETE", service("2", {}, "cache")));
    expect(await names("default")).toEqual(["web-hl"]);
  });

  it("answers get and list alike for every kind: unknown before a sync, then found or not found, without audit copies", { timeout: 30_000 }, async () => {
    const store = fresh();
    const view = clusterViewOf(store);
    for (const kind of clusterKinds) {
      expect((await view.get(kind, "db", "a")).state, kind).toBe("unknown");
      expect((await view.list(kind, "db")).state, kind).toBe("unknown");
    }
    const objects = clusterKinds.flatMap((kind) => [object(kind, "db", "a"), object(kind, "db", "b"), object(kind, "db-2", "c")]);
    await syncInventory(store, list(...objects));
    for (const kind of clusterKinds) {
      const { namespaced } = kindInfo[kind];
      const a = kindInfo[kind].record(object(kind, "db", "a"), "default")!;
      expect("audit" in a, kind).toBe(kindInfo[kind].reviewed);
      const { audit: _, ...withoutCopy } = a as typeof a & { audit?: unknown };
      expect(await view.get(kind, "db", "a"), kind).toEqual({ state: "found", value: withoutCopy });
      expect(await view.get(kind, "db", "z"), kind).toEqual({ state: "not-found" });
      // A cluster-scoped kind is one list whatever the namespace; a namespaced one holds only its namespace's objects.
      expect(await view.get(kind, "db-2", "a"), kind).toEqual(namespaced ? { state: "not-found" } : { state: "found", value: withoutCopy });
      const listed = await view.list(kind, "db");
      expect(listed.state, kind).toBe("found");
      const values = listed.state === "found" ? listed.value : [];
      expect(values.map((r) => r.name).sort(), kind).toEqual(namespaced ? ["a", "b"] : ["a", "b", "c"]);
      expect(values.some((r) => "audit" in r), kind).toBe(false);
      expect(await view.list(kind, "web"), kind).toEqual(namespaced ? { state: "found", value: [] } : listed);
    }
  });

  it("answers unknown for a list longer than maxListed, found at maxListed", { timeout: 60_000 }, async () => {
    const store = fresh();
    const view = clusterViewOf(store);
    const budgets = (namespace: string, count: number) => Array.from({ length: count }, (_, i) => object("PodDisruptionBudget", namespace, `pdb-${i}`));
    await syncInventory(store, list(...budgets("full", maxListed), ...budgets("over", maxListed + 1)));
    const full = await view.list("PodDisruptionBudget", "full");
    expect(full.state === "found" && full.value.length).toBe(maxListed);
    expect(await view.list("PodDisruptionBudget", "over")).toEqual({ state: "unknown", reason: `namespace over has more than ${maxListed} PodDisruptionBudgets` });
    expect(await view.get("PodDisruptionBudget", "over", "pdb-0")).toMatchObject({ state: "found" });
  });

  it("keeps live counts as observations and syncs come and go", { timeout: 30_000 }, async () => {
    const store = fresh();
    await syncInventory(store, list(service("1", {}, "a"), service("1", {}, "b")));
    await later();
    await observeRequest(store, change("Service", "CREATE", service("2", {}, "c")));
    await observeRequest(store, change("Service", "UPDATE", service("2", {}, "c")));
    await observeRequest(store, change("Service", "DELETE", service("2", {}, "a")));
    await observeRequest(store, change("Service", "DELETE", service("2", {}, "never-held")));
    expect((await store.summary()).kinds.Service).toMatchObject({ count: 2, complete: true });
    await later();
    await pagedSync(store, "Service", []);
    expect((await store.summary()).kinds.Service.count).toBe(0);
  });

  it("pages the audited kinds' records in key order with their copies, observed and synced alike", { timeout: 30_000 }, async () => {
    const store = fresh();
    const claim = (namespace: string, name: string) => ({
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { namespace, name, uid: `uid-${name}`, managedFields: [{ manager: "kubectl" }] },
      spec: { resources: { requests: { storage: "1Gi" } } },
    });
    await pagedSync(store, "PersistentVolumeClaim", [claim("b", "x"), claim("a", "y"), claim("a", "x")]);
    await later();
    await observeRequest(store, change("PersistentVolumeClaim", "CREATE", claim("a", "w")));
    await observeRequest(store, change("PersistentVolumeClaim", "DELETE", claim("b", "x")));
    const first = await store.records("PersistentVolumeClaim", null, 2);
    expect(first.records.map((r) => `${(r as { namespace: string }).namespace}/${r.name}`)).toEqual(["a/w", "a/x"]);
    expect(first.next).toBe("a/x");
    const rest = await store.records("PersistentVolumeClaim", first.next, 2);
    expect(rest).toMatchObject({ records: [{ namespace: "a", name: "y" }], next: null });
    const copy = JSON.parse((rest.records[0] as { audit: { json: string } }).audit.json);
    expect(copy).toEqual({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { namespace: "a", name: "y", uid: "uid-y" }, spec: claim("a", "y").spec });
    expect(await clusterViewOf(store).get("PersistentVolumeClaim", "a", "y")).toEqual({
      state: "found",
      value: { namespace: "a", name: "y", storageClassName: null, storage: "1Gi", accessModes: [], volumeName: null },
    });
    expect((await store.records("StatefulSet", null, 10)).records).toEqual([]);
  });
}
