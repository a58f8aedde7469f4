/** The Node server keeps its cluster view in --state-file: saved when Kubernetes stops the pod, loaded at start. */
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { spawnNodeServer } from "../node/spawn-server.js";

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
  const started = await spawnNodeServer(["--host", "127.0.0.1", "--port", "0", "--state-file", stateFile], {
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
