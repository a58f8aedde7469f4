/**
 * The cluster view survives a restart of `wrangler dev`: the Durable Object's SQLite database is persisted on disk
 * (here under a temporary --persist-to folder) and read back by the next run. Also proves the Worker module loads in
 * workerd as `wrangler dev` loads it, Durable Object class export included.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { freePort } from "../../scripts/servers.js";
import statefulSetReview from "../fixtures/admission/000-web.statefulset-web.create.validate.json";

const token = "restart-token";
const startTimeoutMs = 45_000;
const persistTo = mkdtempSync(join(tmpdir(), "stateward-wrangler-"));
const running = new Set<ChildProcess>();

afterAll(async () => {
  await Promise.all([...running].map((child) => stop(child)));
  rmSync(persistTo, { recursive: true, force: true });
});

async function start(): Promise<{ child: ChildProcess; base: string }> {
  const port = await freePort();
  const child = spawn(
    "node_modules/.bin/wrangler",
    ["dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", persistTo, "--var", `WEBHOOK_TOKEN:${token}`],
    {
      // Its own process group, so stopping it also stops the workerd it starts.
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1" },
    },
  );
  running.add(child);
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + startTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return { child, base };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stop(child);
  throw new Error(`wrangler dev was not ready within ${startTimeoutMs} ms:\n${output}`);
}

async function stop(child: ChildProcess): Promise<void> {
  running.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // already gone
    }
  };
  signal("SIGTERM");
  const killed = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 5_000))]);
  if (!killed) {
    signal("SIGKILL");
    await exited;
  }
}

const authorized = { authorization: `Bearer ${token}`, "content-type": "application/json" };

it("keeps the cluster view across a restart of wrangler dev", { timeout: 2 * startTimeoutMs + 30_000 }, async () => {
  const first = await start();
  const put = await fetch(`${first.base}/inventory`, {
    method: "PUT",
    headers: authorized,
    body: JSON.stringify({
      apiVersion: "v1",
      kind: "List",
      items: [
        {
          apiVersion: "v1",
          kind: "Service",
          metadata: { name: "web-headless", namespace: "default", resourceVersion: "812" },
          spec: { clusterIP: "None", selector: { app: "nginx" } },
        },
      ],
    }),
  });
  expect(put.status).toBe(200);
  const { syncedAt } = (await put.json()) as { syncedAt: string };
  await stop(first.child);

  const second = await start();
  const summary = await fetch(`${second.base}/inventory/summary`, { headers: authorized });
  expect(await summary.json()).toMatchObject({
    kinds: { Service: { count: 1, syncedAt, complete: true }, StatefulSet: { count: 0, syncedAt } },
    lastSyncAt: syncedAt,
  });
  const validated = await fetch(`${second.base}/validate`, {
    method: "POST",
    headers: authorized,
    body: JSON.stringify(statefulSetReview),
  });
  const answer = (await validated.json()) as { response: { allowed: boolean; warnings?: string[] } };
  expect(answer.response.allowed).toBe(true);
  expect((answer.response.warnings ?? []).filter((w) => w.includes("[statefulset-headless-service]"))).toEqual([]);
  await stop(second.child);
});
