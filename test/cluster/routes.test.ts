/** /observe and /inventory on Node with the in-process store: never blocking, and reading Kubernetes' own shapes. */
import { describe, expect, it } from "vitest";
import { memoryClusterStore } from "../../src/cluster/memory-store.js";
import { type ClusterStore, clusterViewOf, maxSyncSessions, syncSessionTtlMs } from "../../src/cluster/store.js";
import { createApp } from "../../src/http/app.js";
import { writesNeedTokenMessage } from "../../src/http/auth.js";
import type { LogLine } from "../../src/http/service.js";
import { loadPolicy } from "../../src/policy/policy.js";
import serviceReview from "../fixtures/admission/000-web.service-web-headless.create.validate.json";
import statefulSetReview from "../fixtures/admission/000-web.statefulset-web.create.validate.json";
import { refusesProtoKeys } from "./reserved-keys.js";

const token = "node-token";
const auth = { authorization: `Bearer ${token}` };

function appWith(store: ClusterStore, lines: LogLine[] = [], options: { token?: string; observe?: boolean } = { token }) {
  const policy = loadPolicy(undefined);
  return createApp({
    // Every observation's line, so the tests can read each outcome from the log.
    config: () => ({ token: options.token, policy, cluster: clusterViewOf(store), store, reviewLog: "all" as const }),
    log: (line) => lines.push(line),
    observeTimeoutMs: 50,
    observe: options.observe,
  });
}

const observe = (app: ReturnType<typeof appWith>, body: unknown) =>
  app.request("/observe", { method: "POST", body: JSON.stringify(body), headers: auth });

describe("POST /observe", () => {
  it("allows, in the request's apiVersion, even when the store fails or hangs", async () => {
    const failing: ClusterStore = {
      ...memoryClusterStore(),
      observe: () => Promise.reject(new Error("disk full")),
    };
    const lines: LogLine[] = [];
    const v1beta1 = { ...serviceReview, apiVersion: "admission.k8s.io/v1beta1" };
    const res = await observe(appWith(failing, lines), v1beta1);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      apiVersion: "admission.k8s.io/v1beta1",
      kind: "AdmissionReview",
      response: { uid: serviceReview.request.uid, allowed: true },
    });
    expect(lines).toContainEqual(expect.objectContaining({ level: "error", msg: "observe", outcome: "failed", note: "Error: disk full" }));

    const hanging: ClusterStore = { ...memoryClusterStore(), observe: () => new Promise(() => {}) };
    const started = performance.now();
    const slow = await observe(appWith(hanging, lines), serviceReview);
    expect(await slow.json()).toMatchObject({ response: { allowed: true } });
    // The store never answers: any answer at all is the 50 ms timeout's; the bound only leaves room for a loaded machine.
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(lines).toContainEqual(expect.objectContaining({ level: "warn", outcome: "timeout" }));
  });

  it("records nothing for kinds it does not hold or for sub-resources", async () => {
    const store = memoryClusterStore();
    const lines: LogLine[] = [];
    const app = appWith(store, lines);
    await observe(app, statefulSetReview);
    const scale = structuredClone(statefulSetReview) as { request: Record<string, unknown> };
    scale.request.subResource = "scale";
    scale.request.object = { metadata: { name: "other", namespace: "default" } };
    await observe(app, scale);
    const secret = structuredClone(serviceReview) as { request: Record<string, unknown> };
    secret.request.resource = { group: "", version: "v1", resource: "secrets" };
    await observe(app, secret);
    expect((await store.summary()).kinds).toMatchObject({ Service: { count: 0 }, StatefulSet: { count: 1 } });
    expect(await clusterViewOf(store).get("StatefulSet", "default", "web")).toMatchObject({
      state: "found",
      value: {
        templateLabels: { app: "nginx" },
        claimTemplates: [{ name: "www", storageClassName: "my-storage-class", storage: "1Gi", accessModes: ["ReadWriteOnce"] }],
      },
    });
    expect(lines.map((l) => l.outcome)).toEqual(["stored", "skipped", "skipped"]);
  });

  it("removes on DELETE by the request's name when an old API server sends no oldObject", async () => {
    const store = memoryClusterStore();
    const app = appWith(store);
    await store.replace({ Service: [] });
    await observe(app, serviceReview);
    const del = structuredClone(serviceReview) as { request: Record<string, unknown> };
    Object.assign(del.request, { operation: "DELETE", object: null, oldObject: null });
    await observe(app, del);
    expect(await clusterViewOf(store).get("Service", "default", "web-headless")).toEqual({ state: "not-found" });
  });
});

describe("writes", () => {
  it("are not served without a WEBHOOK_TOKEN, and say why", async () => {
    const store = memoryClusterStore();
    const open = appWith(store, [], {});
    for (const [method, path] of [["POST", "/observe"], ["PUT", "/inventory"], ["POST", "/inventory/sync"], ["POST", "/inventory/sync/x/pages"], ["POST", "/inventory/sync/x/commit"]]) {
      const res = await open.request(path!, { method, body: "{}" });
      expect(res.status, path).toBe(403);
      expect(await res.json()).toEqual({ error: writesNeedTokenMessage, status: 403 });
    }
    expect((await store.summary()).kinds.Service.count).toBe(0);
  });

  it("leave out /observe where the server watches the cluster", async () => {
    const res = await appWith(memoryClusterStore(), [], { token, observe: false }).request("/observe", {
      method: "POST",
      headers: auth,
      body: JSON.stringify(serviceReview),
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toContain("--watch");
  });
});

describe("a paged sync over HTTP", () => {
  it("opens, takes pages, and commits; the records then answer lookups", async () => {
    const store = memoryClusterStore();
    const app = appWith(store);
    const post = (path: string, body: unknown) => app.request(path, { method: "POST", headers: auth, body: JSON.stringify(body) });
    const opened = await post("/inventory/sync", { kinds: ["Service", "PodDisruptionBudget"] });
    expect(opened.status).toBe(201);
    const { session } = (await opened.json()) as { session: string };
    const page = await post(`/inventory/sync/${session}/pages`, {
      kind: "Service",
      records: [{ namespace: "default", name: "web-headless", clusterIP: "None", selector: { app: "nginx" } }],
    });
    expect(await page.json()).toEqual({ staged: { Service: 1 } });
    const bad = await post(`/inventory/sync/${session}/pages`, { kind: "Service", records: [{ namespace: "default", name: "x", clusterIP: 7, selector: null }] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^records\[0\]: not a Service record: clusterIP: /);
    const committed = await post(`/inventory/sync/${session}/commit`, {});
    expect(committed.status).toBe(200);
    const answer = await committed.json();
    expect(answer).toMatchObject({ counts: { Service: 1, PodDisruptionBudget: 0 }, keptObserved: 0, truncated: [] });
    expect(await clusterViewOf(store).get("Service", "default", "web-headless")).toMatchObject({ state: "found" });
    // A commit sent again gets the first answer; a page is refused.
    const again = await post(`/inventory/sync/${session}/commit`, {});
    expect([again.status, await again.json()]).toEqual([200, answer]);
    expect((await post(`/inventory/sync/${session}/pages`, { kind: "Service", records: [] })).status).toBe(404);
  });

  it("answers a sync the store has no room for with 429 and a Retry-After of when the first open session expires", async () => {
    const store = memoryClusterStore();
    const app = appWith(store);
    const post = (path: string, body: unknown) => app.request(path, { method: "POST", headers: auth, body: JSON.stringify(body) });
    for (let i = 0; i < maxSyncSessions; i += 1) expect((await post("/inventory/sync", { kinds: ["Service"] })).status).toBe(201);
    const refused = await post("/inventory/sync", { kinds: ["Service"] });
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get("retry-after"));
    // The sessions were opened just now: they expire syncSessionTtlMs after their last page, give or take the test's run.
    expect(retryAfter).toBeGreaterThan(syncSessionTtlMs / 1000 - 60);
    expect(retryAfter).toBeLessThanOrEqual(syncSessionTtlMs / 1000);
    expect(((await refused.json()) as { error: string }).error).toContain(`(maxSyncSessions ${maxSyncSessions})`);
  });
});

describe("every write route", () => {
  it("refuses a __proto__ key with a 400 naming the item, and keeps constructor and prototype labels as data", async () => {
    const store = memoryClusterStore();
    const app = appWith(store);
    await refusesProtoKeys((request) => app.fetch(request), token);
    expect(await clusterViewOf(store).get("Service", "default", "web")).toMatchObject({ value: { selector: { constructor: "a", prototype: "b" } } });
  });
});

describe("PUT /inventory", () => {
  const put = (app: ReturnType<typeof appWith>, body: unknown) =>
    app.request("/inventory", { method: "PUT", body: JSON.stringify(body), headers: auth });

  it("takes a typed list straight from the API, replacing only its kind", async () => {
    const store = memoryClusterStore();
    const app = appWith(store);
    await put(app, { kind: "List", items: [] });
    const res = await put(app, {
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClassList",
      metadata: { resourceVersion: "40" },
      items: [{ metadata: { name: "standard", resourceVersion: "3" }, provisioner: "rancher.io/local-path" }],
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ replaced: ["StorageClass"], counts: { StorageClass: 1 }, ignored: 0 });
    expect((await store.summary()).kinds.Service.syncedAt).not.toBeNull();
  });

  it("names the item it cannot read, and changes nothing then", async () => {
    const store = memoryClusterStore();
    const res = await put(appWith(store), {
      kind: "List",
      items: [{ apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "db" }, spec: { replicas: "three" } }],
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "items[0]: not a StatefulSet Stateward can read", status: 400 });
    expect((await store.summary()).lastSyncAt).toBeNull();
  });

  it("refuses other methods on the inventory routes", async () => {
    const app = appWith(memoryClusterStore());
    const res = await app.request("/inventory", { method: "POST", headers: auth, body: "{}" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("PUT");
    expect((await app.request("/inventory/summary", { method: "DELETE", headers: auth })).status).toBe(405);
  });
});
