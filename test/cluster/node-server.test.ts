/** The Node server keeps its cluster view in --state-file: saved when Kubernetes stops the pod, loaded at start. */
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { listenLocally } from "../../scripts/servers.js";
import { writesNeedTokenMessage } from "../../src/http/auth.js";
import { spawnNodeServer } from "../node/spawn-server.js";
import { policyReportsApi } from "./policy-reports-api.js";

const token = "node-state-token";
const dir = mkdtempSync(join(tmpdir(), "stateward-node-state-"));
const stateFile = join(dir, "cluster.json");
const children = new Set<ChildProcess>();

afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

async function start() {
  // Outside a cluster and without --watch, the server only learns from /observe and /inventory.
  const started = await spawnNodeServer(["--host", "127.0.0.1", "--port", "0", "--drain-seconds", "0", "--state-file", stateFile], {
    WEBHOOK_TOKEN: token,
    KUBERNETES_SERVICE_HOST: "",
    STATEWARD_WATCH: "",
  });
  children.add(started.child);
  return started;
}

const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };

it("saves the cluster view on SIGTERM and loads it at the next start", { timeout: 45_000 }, async () => {
  const first = await start();
  const put = await fetch(`${first.url}/inventory`, {
    method: "PUT",
    headers,
    body: JSON.stringify({
      kind: "List",
      items: [{ apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "fast", resourceVersion: "9" }, provisioner: "ebs.csi.aws.com" }],
    }),
  });
  expect(put.status).toBe(200);
  const exited = new Promise<number | null>((resolve) => first.child.once("exit", (code) => resolve(code)));
  first.child.kill("SIGTERM");
  expect(await exited).toBe(0);
  children.delete(first.child);
  expect(existsSync(stateFile)).toBe(true);

  const second = await start();
  const summary = await fetch(`${second.url}/inventory/summary`, { headers });
  expect(await summary.json()).toMatchObject({ kinds: { StorageClass: { count: 1, complete: true }, Service: { count: 0, complete: true } } });
  second.child.kill("SIGTERM");
});

it("watches through --api-server, serves no /observe then, says at start that writes need a token, and writes the audit's reports on its schedule", { timeout: 90_000 }, async () => {
  const reportsApi = policyReportsApi();
  const api = createServer(async (req, res) => {
    if (await reportsApi.handle(req, res)) return;
    const url = new URL(req.url ?? "/", "http://x");
    if (url.searchParams.get("watch") === "true") {
      res.writeHead(200, { "content-type": "application/json" });
      res.flushHeaders();
      return;
    }
    const lists: Record<string, unknown[]> = {
      "/api/v1/services": [{ metadata: { name: "web-headless", namespace: "default", resourceVersion: "5" }, spec: { clusterIP: "None" } }],
      "/apis/apps/v1/statefulsets": [{ metadata: { name: "web", namespace: "default", uid: "uid-web" }, spec: { serviceName: "web-headless" } }],
    };
    const items = lists[url.pathname] ?? [];
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ metadata: { resourceVersion: "9" }, items }));
  });
  const listening = await listenLocally(api);
  try {
    const apiUrl = listening.url;
    const server = await spawnNodeServer(["--host", "127.0.0.1", "--port", "0", "--drain-seconds", "0", "--watch", "--api-server", apiUrl, "--audit-interval", "10s"], {
      WEBHOOK_TOKEN: "",
      KUBERNETES_SERVICE_HOST: "",
    });
    children.add(server.child);
    let summary: { kinds?: Record<string, { count: number; complete: boolean }> } = {};
    for (let tries = 0; tries < 100 && !summary.kinds?.Service?.complete; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      summary = (await (await fetch(`${server.url}/inventory/summary`)).json()) as typeof summary;
    }
    expect(summary.kinds).toMatchObject({ Service: { count: 1, complete: true }, PodDisruptionBudget: { count: 0, complete: true } });
    // The watch's view is part of readiness: current here (a stale one says "degraded", still 200).
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", checks: { "cluster-view": "watching" } });
    const observe = await fetch(`${server.url}/observe`, { method: "POST", body: "{}" });
    expect(observe.status).toBe(404);
    // The first round comes 10 s after the start (the interval, at most a minute).
    for (let tries = 0; tries < 300 && !reportsApi.reports.has("default/stateward-audit"); tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(reportsApi.reports.get("default/stateward-audit")?.results).toContainEqual(
      expect.objectContaining({ policy: "statefulset-selector", result: "fail", resources: [expect.objectContaining({ name: "web", uid: "uid-web" })] }),
    );
    server.child.kill("SIGTERM");
    await new Promise((resolve) => server.child.once("exit", resolve));
    children.delete(server.child);
    expect(server.output()).toContain(writesNeedTokenMessage);
    expect(server.output()).toContain('"msg":"audit: reports written"');
  } finally {
    await listening.close();
  }
});
