/**
 * Chaos: the in-cluster server (the app, its store and the watch, composed as `stateward serve --watch` composes them)
 * against a fake API server whose every kind misbehaves differently at once: hung lists, 410 Gone storms, watches that
 * end at once, 500s and list bodies sent a byte at a time. The watch's timing is the reflector's scaled down 100 times
 * (backoff 8 ms doubling to 300 ms; a list page times out after 600 ms), so minutes of trouble take seconds; only
 * staleAfter is 2 s rather than 900 ms, so that a loaded machine's pauses never make a kind whose lists answer stale. The bounds it holds the server to:
 * - requests: after the warm-up (the first 1.5 s, 2.5 minutes at full scale), at most one list and one watch per kind
 *   per backoff cap, plus one (300 ms here; 30 s by default: at most 2 lists a minute per kind);
 * - a kind that cannot be listed is stale within staleAfter of the start (the generous bound below is only for a
 *   loaded machine), and says so on /readyz, /inventory/summary and in the rules' answers;
 * - once the API server recovers, the view equals the fake's objects exactly, changes made during the trouble
 *   included, and follows new changes.
 */
import { afterEach, expect, it, vi } from "vitest";
import { type Fault, fakeApiServer } from "../support/fake-api.js";
import { type ClusterKind, clusterKinds, keyOf, recordOf } from "../../src/cluster/kinds.js";
import { memoryClusterStore } from "../../src/cluster/memory-store.js";
import { clusterViewOf, maxRecordPage } from "../../src/cluster/store.js";
import { createApp } from "../../src/http/app.js";
import { prometheusMetrics } from "../../src/node/metrics.js";
import { reflectorTiming, type WatchTiming, watchCluster } from "../../src/node/watch.js";
import { loadPolicy } from "../../src/policy/policy.js";
import statefulSetReview from "../fixtures/admission/000-web.statefulset-web.create.validate.json";

const scale = 100;
const timing = {
  ...(Object.fromEntries(
    Object.entries(reflectorTiming).map(([name, value]) => [name, name === "backoffFactor" || name === "backoffJitter" ? value : value / scale]),
  ) as unknown as WatchTiming),
  // 900 ms scaled, but 2 s leaves a loaded machine's event loop room: a kind whose lists answer must never look stale.
  staleAfterMs: 2_000,
};

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/** Retries `check` until it passes (vitest's own waitFor); the bound only catches a hang. */
const eventually = (check: () => void | Promise<void>, timeout: number) => vi.waitFor(check, { timeout, interval: 25 });

const faults: Record<ClusterKind, Fault> = {
  Service: "hang",
  StorageClass: "gone-event",
  StatefulSet: "end-at-once",
  PersistentVolumeClaim: "error",
  PodDisruptionBudget: "slow",
};
const unlistable: ClusterKind[] = ["Service", "PersistentVolumeClaim", "PodDisruptionBudget"];

const service = (name: string) => ({ apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default", uid: `uid-${name}` }, spec: { clusterIP: "None", selector: { app: name } } });
const storageClass = (name: string) => ({ apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name }, provisioner: "ebs.csi.aws.com" });
const statefulSet = (name: string) => ({
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: { name, namespace: "default", uid: `uid-${name}` },
  spec: { serviceName: name, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } } } },
});
const claim = (name: string) => ({
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: { name, namespace: "default", uid: `uid-${name}` },
  spec: { storageClassName: "my-storage-class", accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
});
const budget = (name: string) => ({
  apiVersion: "policy/v1",
  kind: "PodDisruptionBudget",
  metadata: { name, namespace: "default" },
  spec: { minAvailable: 1, selector: { matchLabels: { app: name } } },
});

it(
  "under hung lists, 410 storms, watches ending at once, 500s and slow bodies: bounded requests, a stale view that says so, an exact recovery",
  { timeout: 60_000 },
  async () => {
    const api = await fakeApiServer({ slowByteMs: 50 });
    cleanup.push(api.close);
    api.put("Service", service("web-headless"));
    api.put("Service", service("old"));
    api.put("StorageClass", storageClass("my-storage-class"));
    api.put("StatefulSet", statefulSet("db"));
    api.put("PersistentVolumeClaim", claim("data-db-0"));
    api.put("PodDisruptionBudget", budget("db"));
    for (const kind of clusterKinds) api.setFault(kind, faults[kind]);

    const store = memoryClusterStore();
    const lines: Record<string, unknown>[] = [];
    const started = Date.now();
    const watch = watchCluster({ url: new URL(api.url) }, store, { log: (line) => lines.push(line), timing });
    cleanup.push(() => watch.stop());
    const policy = loadPolicy(undefined);
    const app = createApp({
      config: () => ({ token: undefined, policy, cluster: clusterViewOf(store), store }),
      log: () => {},
      observe: false,
      readiness: () => [watch.readiness()],
      metrics: prometheusMetrics(store).scrape,
    });
    const stale = async () => {
      const text = await (await app.request("/metrics")).text();
      return clusterKinds.filter((kind) => text.includes(`stateward_cluster_view_stale{kind="${kind}"} 1`));
    };
    const json = async (path: string, init?: RequestInit) => {
      const res = await app.request(path, init);
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };
    const review = () => json("/validate", { method: "POST", body: JSON.stringify(statefulSetReview), headers: { "content-type": "application/json" } });

    // Every kind that cannot be listed turns stale within staleAfter of the start, and the server says so.
    await eventually(async () => {
      const { kinds } = (await json("/inventory/summary")).body;
      expect(unlistable.filter((kind) => kinds[kind].stale)).toEqual(unlistable);
    }, timing.staleAfterMs + 3_000);
    for (const kind of unlistable) {
      expect((await json("/inventory/summary")).body.kinds[kind]).toMatchObject({ complete: false, stale: { since: expect.any(String), reason: expect.any(String) } });
    }
    // Each names its latest failure: a list that timed out, a 500, a body too slow to finish.
    await eventually(async () => {
      const { kinds } = (await json("/inventory/summary")).body;
      expect(kinds.Service.stale.reason).toContain("/api/v1/services?limit=500: no complete answer within 0.6 s");
      expect(kinds.PersistentVolumeClaim.stale.reason).toContain("500: etcdserver: request timed out");
      expect(kinds.PodDisruptionBudget.stale.reason).toContain("/apis/policy/v1/poddisruptionbudgets?limit=500: no complete answer within 0.6 s");
    }, 5_000);
    const summary = (await json("/inventory/summary")).body;
    // A 410 storm whose lists answer, and watches that end at once, leave a view as current as each list and watch.
    expect(summary.kinds.StorageClass).toMatchObject({ complete: true, count: 1 });
    expect(summary.kinds.StatefulSet).toMatchObject({ complete: true, count: 1 });
    const readyz = await json("/readyz");
    expect(readyz.status).toBe(200);
    expect(readyz.body).toMatchObject({ status: "degraded", checks: { "cluster-view": expect.stringContaining("stale: Services, PersistentVolumeClaims, PodDisruptionBudgets") } });
    expect(JSON.stringify((await review()).body)).toContain('could not verify Service \\"web-headless\\": Services in the cluster view are stale since');
    expect(await stale()).toEqual(unlistable);

    // The cluster changes while the API server is in trouble.
    api.put("Service", service("late"));
    api.remove("Service", "default", "old");
    api.put("StatefulSet", statefulSet("cache"));
    api.put("StorageClass", storageClass("slow-hdd"));
    api.put("PersistentVolumeClaim", claim("data-cache-0"));
    api.put("PodDisruptionBudget", budget("cache"));

    const chaosEnds = started + 4_500;
    await new Promise((resolve) => setTimeout(resolve, chaosEnds - Date.now()));
    const window = { from: started + 1_500, to: chaosEnds };
    const bound = Math.floor((window.to - window.from) / timing.backoffCapMs) + 1;
    const counts = clusterKinds.flatMap((kind) =>
      (["list", "watch"] as const).map((verb) => ({
        kind,
        verb,
        requests: api.requests.filter((r) => r.kind === kind && r.verb === verb && r.at >= window.from && r.at < window.to).length,
      })),
    );
    expect(counts).toEqual(counts.map((count) => ({ ...count, requests: Math.min(count.requests, bound) })));

    // The API server recovers: the view is current and equals the fake's objects, record for record.
    for (const kind of clusterKinds) api.setFault(kind, undefined);
    const exact = async () => {
      for (const kind of clusterKinds) {
        const held = (await store.records(kind, null, maxRecordPage)).records;
        const expected = api
          .objects(kind)
          .map((object) => recordOf(kind, object)!)
          .sort((a, b) => keyOf(kind, a).localeCompare(keyOf(kind, b)));
        expect({ kind, records: held }).toEqual({ kind, records: expected });
      }
    };
    await eventually(async () => {
      const { kinds } = (await json("/inventory/summary")).body;
      for (const kind of clusterKinds) expect({ kind, ...kinds[kind] }).toEqual({ kind, count: expect.any(Number), syncedAt: expect.any(String), complete: true });
      await exact();
    }, 20_000);
    expect(await json("/readyz")).toEqual({ status: 200, body: { status: "ready", checks: { policy: "loaded", "cluster-view": "watching" } } });
    expect(JSON.stringify((await review()).body)).not.toContain("could not verify Service");
    expect(await stale()).toEqual([]);

    // The watches are open again: a change after the recovery arrives without a list.
    const listsBefore = api.requests.filter((r) => r.verb === "list").length;
    api.put("Service", service("after"));
    api.remove("StatefulSet", "default", "db");
    await eventually(exact, 20_000);
    expect(api.requests.filter((r) => r.verb === "list").length).toBe(listsBefore);

    // One line per change of state and kind, whatever the number of retries.
    for (const kind of clusterKinds) {
      const messages = lines.filter((l) => l.kind === kind && l.msg !== "watch: listed").map((l) => l.msg);
      expect({ kind, messages }).toEqual({
        kind,
        messages: unlistable.includes(kind)
          ? ["watch: list or watch failed; retrying with backoff", "watch: stale", "watch: current again"]
          : [kind === "StorageClass" ? "watch: listing again with backoff" : "watch: list or watch failed; retrying with backoff"],
      });
    }
  },
);
