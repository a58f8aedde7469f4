/** /metrics on Node: Prometheus counters, the review-duration histogram and the cluster view, scraped after reviews. */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryClusterStore } from "../../src/cluster/memory-store.js";
import { clusterViewOf } from "../../src/cluster/store.js";
import { createApp } from "../../src/http/app.js";
import { prometheusMetrics } from "../../src/node/metrics.js";
import { loadPolicy } from "../../src/policy/policy.js";
import { spawnNodeServer } from "./spawn-server.js";

const fixture = (name: string) => readFileSync(`test/fixtures/admission/${name}.json`, "utf8");
const stsValidate = fixture("000-web.statefulset-web.create.validate");
const stsMutate = fixture("002-mysql.statefulset-mysql.client.mutate");
const pvcValidate = fixture("000-web-pvc.persistentvolumeclaim-www-web-0.create.validate");
const token = "metrics-token";
const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };

/** The value of one sample of a Prometheus text exposition, by metric name and exact labels. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.keys(found).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => found[k] === v)) {
      return Number(match[3]);
    }
  }
  return undefined;
}

function brokenStatefulSet(): string {
  const review = JSON.parse(stsValidate);
  delete review.request.object.spec.selector;
  return JSON.stringify(review);
}

describe("GET /metrics on the Node server", () => {
  let server: { child: ChildProcess; url: string };

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "stateward-metrics-"));
    const policy = join(dir, "policy.yaml");
    writeFileSync(policy, "defaults:\n  default-termination-grace: {seconds: 60}\n");
    server = await spawnNodeServer(["--host", "127.0.0.1", "--port", "0", "--policy", policy], { WEBHOOK_TOKEN: token, STATEWARD_WATCH: "false" });
  }, 30_000);

  afterAll(() => {
    server?.child.kill();
  });

  it("counts reviews, findings and defaults, times them in a histogram, and reports the cluster view", async () => {
    const post = async (path: string, body: string, method = "POST") => {
      const response = await fetch(`${server.url}${path}`, { method, body, headers: auth });
      expect(response.status, `${method} ${path}`).toBe(200);
    };
    await post("/validate", stsValidate);
    await post("/validate", stsValidate);
    await post(`/t/${token}/validate`, brokenStatefulSet());
    await post("/validate", pvcValidate);
    await post("/mutate", stsMutate);
    const beforeSync = await (await fetch(`${server.url}/metrics`)).text();
    expect(sample(beforeSync, "stateward_cluster_view_objects", { kind: "Service" })).toBe(0);
    expect(sample(beforeSync, "stateward_cluster_view_last_sync_age_seconds", { kind: "Service" })).toBeUndefined();
    const inventory = {
      apiVersion: "v1",
      kind: "List",
      items: [{ apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "default" }, spec: { clusterIP: "None", selector: { app: "nginx" } } }],
    };
    await post("/inventory", JSON.stringify(inventory), "PUT");

    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    const text = await response.text();

    const reviews = (labels: Record<string, string>) => sample(text, "stateward_reviews_total", labels);
    expect(reviews({ route: "/validate", kind: "StatefulSet", operation: "CREATE", decision: "allowed" })).toBe(2);
    expect(reviews({ route: "/validate", kind: "StatefulSet", operation: "CREATE", decision: "denied" })).toBe(1);
    expect(reviews({ route: "/validate", kind: "PersistentVolumeClaim", operation: "CREATE", decision: "allowed" })).toBe(1);
    expect(reviews({ route: "/mutate", kind: "StatefulSet", operation: "CREATE", decision: "patched" })).toBe(1);

    expect(sample(text, "stateward_findings_total", { rule: "statefulset-readiness-probe", action: "warn" })).toBe(3);
    expect(sample(text, "stateward_findings_total", { rule: "statefulset-selector", action: "deny" })).toBeGreaterThanOrEqual(1);
    expect(sample(text, "stateward_defaults_applied_total", { default: "default-termination-grace" })).toBe(1);

    expect(sample(text, "stateward_review_duration_seconds_count", { route: "/validate", kind: "StatefulSet" })).toBe(3);
    expect(sample(text, "stateward_review_duration_seconds_bucket", { route: "/validate", kind: "StatefulSet", le: "+Inf" })).toBe(3);
    expect(sample(text, "stateward_review_duration_seconds_bucket", { route: "/validate", kind: "StatefulSet", le: "5" })).toBe(3);
    expect(sample(text, "stateward_review_duration_seconds_sum", { route: "/mutate", kind: "StatefulSet" })).toBeGreaterThan(0);

    expect(sample(text, "stateward_cluster_view_objects", { kind: "Service" })).toBe(1);
    expect(sample(text, "stateward_cluster_view_objects", { kind: "StatefulSet" })).toBe(0);
    const age = sample(text, "stateward_cluster_view_last_sync_age_seconds", { kind: "Service" });
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(60);
    expect(text).toContain("# TYPE stateward_review_duration_seconds histogram");
    expect(text).toContain("process_resident_memory_bytes");
    expect(text).not.toContain(token);
  }, 30_000);

  it("counts a client that leaves mid-body as aborted, not as an internal error, under the route's one name", async () => {
    const { port } = new URL(server.url);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), "127.0.0.1", () => {
        socket.write(`POST /validate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${stsValidate.length}\r\n\r\n`);
        socket.write(stsValidate.slice(0, 100));
        setTimeout(() => socket.destroy(), 200);
      });
      socket.on("close", () => resolve());
      socket.on("error", reject);
    });
    await expect
      .poll(async () => sample(await (await fetch(`${server.url}/metrics`)).text(), "stateward_errors_total", { route: "/validate", reason: "aborted" }), {
        timeout: 10_000,
      })
      .toBe(1);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(sample(text, "stateward_errors_total", { route: "/validate", reason: "internal" })).toBeUndefined();
    // One form of a route's name in every metric: the path.
    const routes = [...text.matchAll(/route="([^"]*)"/g)].map((m) => m[1]);
    expect(routes.length).toBeGreaterThan(0);
    expect(routes.every((route) => route!.startsWith("/"))).toBe(true);
  }, 30_000);
});

describe("stateward_errors_total", () => {
  it("counts 500s by route and reason: a broken policy, an internal error", async () => {
    const store = memoryClusterStore();
    const metrics = prometheusMetrics(store);
    const policy = loadPolicy("rules:\n  storage-clas: {}\n");
    const broken = createApp({
      config: () => ({ token: undefined, policy, cluster: clusterViewOf(store), telemetry: metrics.telemetry }),
      log: () => {},
      metrics: metrics.scrape,
    });
    expect((await broken.request("/validate", { method: "POST", body: stsValidate })).status).toBe(500);
    expect((await broken.request("/t/secret/mutate", { method: "POST", body: stsValidate })).status).toBe(500);
    const loaded = loadPolicy("");
    if (!loaded.ok) throw new Error(loaded.error);
    const exploding = createApp({
      config: () => ({
        token: undefined,
        policy: { ok: true, policy: { ...loaded.policy, forNamespace: () => { throw new Error("engine exploded"); } } },
        cluster: clusterViewOf(store),
        telemetry: metrics.telemetry,
      }),
      log: () => {},
    });
    expect((await exploding.request("/t/secret/validate", { method: "POST", body: stsValidate })).status).toBe(500);

    const text = await (await broken.request("/metrics")).text();
    expect(sample(text, "stateward_errors_total", { route: "/validate", reason: "policy" })).toBe(1);
    expect(sample(text, "stateward_errors_total", { route: "/mutate", reason: "policy" })).toBe(1);
    expect(sample(text, "stateward_errors_total", { route: "/validate", reason: "internal" })).toBe(1);
    expect(text).not.toContain("secret");
  });
});
