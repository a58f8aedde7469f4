/**
 * `stateward sync` against a local API server that pages its lists (limit/continue) and expires a continue token
 * once, sending to a Stateward app on Node with the in-process store.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listenLocally } from "../../scripts/servers.js";
import { listPath } from "../../src/cluster/kinds.js";
import { memoryClusterStore } from "../../src/cluster/memory-store.js";
import { clusterViewOf } from "../../src/cluster/store.js";
import { defaultStorageClasses } from "../../src/cluster/view.js";
import { createApp } from "../../src/http/app.js";
import { runSync } from "../../src/node/sync.js";
import { loadPolicy } from "../../src/policy/policy.js";
import { expectValidReports } from "../audit/crd.js";
import { policyReportsApi } from "./policy-reports-api.js";

const serviceToken = "service-account-token";
const webhookToken = "webhook-token";

const services = Array.from({ length: 5 }, (_, i) => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { namespace: "default", name: `svc-${i}`, resourceVersion: String(100 + i), annotations: { big: "x".repeat(2_000) } },
  spec: { clusterIP: "None", selector: { app: `svc-${i}` }, ports: [{ port: 80 }] },
}));
const lists: Record<string, unknown[]> = {
  [listPath("Service")]: services,
  [listPath("StorageClass")]: [{ metadata: { name: "fast", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } }, provisioner: "ebs.csi.aws.com" }],
  [listPath("StatefulSet")]: [
    {
      metadata: { namespace: "db", name: "pg", uid: "uid-pg" },
      spec: { serviceName: "pg", template: { metadata: { labels: { app: "pg" } }, spec: { containers: [{ name: "pg", image: "postgres:16" }] } } },
    },
  ],
  [listPath("PersistentVolumeClaim")]: [{ metadata: { namespace: "db", name: "data-pg-0" }, spec: { resources: { requests: { storage: "1Gi" } } } }],
  [listPath("PodDisruptionBudget")]: [{ metadata: { namespace: "db", name: "pg" }, spec: { minAvailable: 2, selector: { matchLabels: { app: "pg" } } } }],
};

const requests: string[] = [];
let expireOnce = true;
const reportsApi = policyReportsApi();
const apiServer = createServer(async (req: IncomingMessage, res: ServerResponse) => {
  const url = new URL(req.url ?? "/", "http://x");
  if (req.headers.authorization !== `Bearer ${serviceToken}`) return res.writeHead(401).end();
  if (await reportsApi.handle(req, res)) return;
  requests.push(`${url.pathname}?${url.searchParams}`);
  const items = lists[url.pathname];
  if (!items) return res.writeHead(404).end();
  const limit = Number(url.searchParams.get("limit"));
  const from = Number(url.searchParams.get("continue") || "0");
  if (url.pathname === listPath("Service") && from === 4 && expireOnce) {
    expireOnce = false;
    res.writeHead(410, { "content-type": "application/json" });
    return res.end(JSON.stringify({ kind: "Status", code: 410, reason: "Expired", message: "The provided continue parameter is too old" }));
  }
  const next = from + limit < items.length ? String(from + limit) : undefined;
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ kind: "List", metadata: { resourceVersion: "500", ...(next ? { continue: next } : {}) }, items: items.slice(from, from + limit) }));
});

const store = memoryClusterStore();
const app = createApp({ config: () => ({ token: webhookToken, policy: loadPolicy(undefined), cluster: clusterViewOf(store), store }), log: () => {} });
let target: ReturnType<typeof serve>;
let dir: string;
let apiUrl: string;
let closeApiServer: () => Promise<void>;
let targetUrl: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "stateward-sync-"));
  writeFileSync(join(dir, "token"), `${serviceToken}\n`);
  writeFileSync(join(dir, "webhook-token"), webhookToken);
  const listening = await listenLocally(apiServer);
  closeApiServer = listening.close;
  apiUrl = listening.url;
  await new Promise<void>((resolve) => {
    target = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) => {
      targetUrl = `http://127.0.0.1:${info.port}`;
      resolve();
    });
  });
});

afterAll(async () => {
  await closeApiServer();
  await new Promise<void>((resolve) => target.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

function sync(extra: string[] = [], tokenFile = join(dir, "webhook-token")) {
  const lines: Record<string, unknown>[] = [];
  const io = { env: {}, stdout: (text: string) => lines.push(JSON.parse(text)) };
  const argv = ["--url", targetUrl, "--api-server", apiUrl, "--service-account", dir, "--token-file", tokenFile, "--page-size", "2", ...extra];
  return runSync(argv, io).then((code) => ({ code, lines }));
}

describe("stateward sync", () => {
  it("lists page by page, starts over when a continue token expired, and commits the view in one step", { timeout: 30_000 }, async () => {
    const { code, lines } = await sync();
    expect(code).toBe(0);
    // Services in pages of two; the third page's token had expired, so the whole sync started over.
    const serviceLists = requests.filter((r) => r.startsWith(listPath("Service")));
    expect(serviceLists).toEqual([
      `${listPath("Service")}?limit=2`,
      `${listPath("Service")}?limit=2&continue=2`,
      `${listPath("Service")}?limit=2&continue=4`,
      `${listPath("Service")}?limit=2`,
      `${listPath("Service")}?limit=2&continue=2`,
      `${listPath("Service")}?limit=2&continue=4`,
    ]);
    expect(lines.filter((l) => l.msg === "sync: opened")).toHaveLength(2);
    expect(lines).toContainEqual(expect.objectContaining({ level: "warn", msg: "sync: the list expired; starting again" }));
    expect(lines.at(-1)).toMatchObject({
      msg: "sync: committed",
      counts: { Service: 5, StorageClass: 1, StatefulSet: 1, PersistentVolumeClaim: 1, PodDisruptionBudget: 1 },
    });

    const view = clusterViewOf(store);
    expect(await view.get("Service", "default", "svc-4")).toEqual({
      state: "found",
      value: { namespace: "default", name: "svc-4", clusterIP: "None", selector: { app: "svc-4" } },
    });
    expect(await defaultStorageClasses(view)).toMatchObject({ state: "found", value: [{ name: "fast" }] });
    expect(await view.list("PodDisruptionBudget", "db")).toMatchObject({ state: "found", value: [{ name: "pg", minAvailable: 2 }] });
    expect(await view.get("StatefulSet", "default", "web")).toEqual({ state: "not-found" });
  });

  it("commits once when a proxy loses the commit's answer: the retried commit gets the first answer, the reports follow", { timeout: 30_000 }, async () => {
    // A proxy before the service that forwards the first commit, then answers 502 instead of the service's answer.
    let commits = 0;
    const proxy = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const forwarded = await fetch(`${targetUrl}${req.url}`, {
        method: req.method,
        headers: { authorization: req.headers.authorization ?? "", "content-type": "application/json" },
        ...(req.method === "POST" ? { body: Buffer.concat(chunks) } : {}),
      });
      const text = await forwarded.text();
      if (req.url?.endsWith("/commit") && ++commits === 1) return res.writeHead(502).end("Bad Gateway");
      res.writeHead(forwarded.status, { "content-type": "application/json" }).end(text);
    });
    const proxied = await listenLocally(proxy);
    try {
      const lines: Record<string, unknown>[] = [];
      const argv = ["--url", proxied.url, "--api-server", apiUrl, "--service-account", dir, "--token-file", join(dir, "webhook-token"), "--policy-reports"];
      const code = await runSync(argv, { env: {}, stdout: (text) => lines.push(JSON.parse(text)) });
      expect(commits).toBe(2);
      const retry = lines.find((l) => l.msg === "sync: request failed; retrying");
      expect(retry).toMatchObject({ error: expect.stringMatching(/\/commit: 502/) });
      // The pause is jittered: half of the 1 s base, plus up to the other half.
      expect(retry!.retryMs).toBeGreaterThanOrEqual(500);
      expect(retry!.retryMs).toBeLessThanOrEqual(1_000);
      expect(lines).toContainEqual(expect.objectContaining({ msg: "sync: committed", counts: expect.objectContaining({ Service: 5 }) }));
      expect(lines.at(-1)).toMatchObject({ msg: "sync: policy reports written", failed: [] });
      expect(code).toBe(0);
    } finally {
      await proxied.close();
    }
  });

  it("waits as long as a full store's Retry-After asks, with jitter, instead of failing its run", { timeout: 30_000 }, async () => {
    // A proxy before the service that answers the first three opens as a store full of other syncs' sessions would.
    let refusals = 0;
    const proxy = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      if (req.url?.endsWith("/inventory/sync") && ++refusals <= 3) {
        return res.writeHead(429, { "content-type": "application/json", "retry-after": "1" }).end(JSON.stringify({ error: "4 sync sessions are open", status: 429 }));
      }
      const forwarded = await fetch(`${targetUrl}${req.url}`, {
        method: req.method,
        headers: { authorization: req.headers.authorization ?? "", "content-type": "application/json" },
        ...(req.method === "POST" ? { body: Buffer.concat(chunks) } : {}),
      });
      res.writeHead(forwarded.status, { "content-type": "application/json" }).end(await forwarded.text());
    });
    const proxied = await listenLocally(proxy);
    try {
      const lines: Record<string, unknown>[] = [];
      const argv = ["--url", proxied.url, "--api-server", apiUrl, "--service-account", dir, "--token-file", join(dir, "webhook-token")];
      const code = await runSync(argv, { env: {}, stdout: (text) => lines.push(JSON.parse(text)) });
      // Three refusals are more than the retries of other failures allow; the run still finishes.
      expect(code).toBe(0);
      const waits = lines.filter((l) => l.msg === "sync: the service is busy; waiting as it asks");
      expect(waits).toHaveLength(3);
      for (const wait of waits) {
        // The second Retry-After asks for, plus up to the 1 s retry base of jitter.
        expect(wait.retryMs).toBeGreaterThanOrEqual(1_000);
        expect(wait.retryMs).toBeLessThanOrEqual(2_000);
        expect(wait.error).toMatch(/\/inventory\/sync: 429: 4 sync sessions are open/);
      }
      expect(lines.at(-1)).toMatchObject({ msg: "sync: committed" });
    } finally {
      await proxied.close();
    }
  });

  it("fails, saying why, when the service refuses its token", { timeout: 30_000 }, async () => {
    const wrong = join(dir, "wrong-token");
    writeFileSync(wrong, "not-the-token");
    const { code, lines } = await sync([], wrong);
    expect(code).toBe(1);
    expect(lines.at(-1)).toMatchObject({ level: "error", msg: "sync failed", error: expect.stringContaining("401") });
  });

  it("with --policy-reports, writes the service's audit into the cluster as PolicyReports after the sync", { timeout: 30_000 }, async () => {
    reportsApi.reports.set("gone/stateward-audit", {
      metadata: { namespace: "gone", name: "stateward-audit", labels: { "app.kubernetes.io/managed-by": "stateward" } },
    });
    const { code, lines } = await sync(["--policy-reports"]);
    expect(code).toBe(0);
    expect(lines.at(-1)).toMatchObject({ msg: "sync: policy reports written", applied: 1, deleted: 1, failed: [] });
    // The audit was read in pages of GET /audit, then applied by stateward; the stale report of "gone" deleted.
    expect([...reportsApi.reports.keys()]).toEqual(["db/stateward-audit"]);
    const report = reportsApi.reports.get("db/stateward-audit");
    expectValidReports([report]);
    expect(report.results).toContainEqual(
      expect.objectContaining({ policy: "statefulset-selector", result: "fail", resources: [expect.objectContaining({ kind: "StatefulSet", name: "pg", uid: "uid-pg" })] }),
    );
    expect(report.results).toContainEqual(expect.objectContaining({ resources: [expect.objectContaining({ kind: "PersistentVolumeClaim", name: "data-pg-0" })] }));
  });

  it("refuses bad usage before it does anything", async () => {
    await expect(runSync(["--page-size", "2"], { env: {}, stdout: () => {} })).rejects.toThrow(/--url/);
    await expect(runSync(["--url", "http://x", "--page-size", "0", "--token-file", join(dir, "webhook-token")], { env: {}, stdout: () => {} })).rejects.toThrow(
      /--page-size takes a number/,
    );
  });
});
