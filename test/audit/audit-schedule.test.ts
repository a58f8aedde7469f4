/**
 * The in-cluster server's scheduled audit against a local API server that speaks list/watch for the cluster view and
 * server-side apply for PolicyReports: reports appear per namespace, follow the watched changes, and Stateward's
 * report of a namespace that no longer has objects is deleted, while other tools' reports stay.
 */
import { createServer, type ServerResponse } from "node:http";
import { afterEach, expect, it, vi } from "vitest";
import { listenLocally } from "../../scripts/servers.js";
import { auditedKinds } from "../../src/audit/audit.js";
import { listPath } from "../../src/cluster/kinds.js";
import { memoryClusterStore } from "../../src/cluster/memory-store.js";
import { auditRound, scheduleAudit } from "../../src/node/audit-schedule.js";
import { defaultAuditMemoryMiB, parseAuditInterval, readNodeOptions } from "../../src/node/options.js";
import { watchCluster } from "../../src/node/watch.js";
import { loadPolicy } from "../../src/policy/policy.js";
import { policyReportsApi } from "../cluster/policy-reports-api.js";
import { expectValidReports } from "./crd.js";

const statefulSet = (namespace: string, name: string, selector = true) => ({
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: { namespace, name, uid: `uid-${namespace}-${name}`, resourceVersion: "10" },
  spec: {
    ...(selector ? { selector: { matchLabels: { app: name } } } : {}),
    serviceName: name,
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "db", image: "postgres:16" }] } },
  },
});

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/** Retries `check` until it passes (vitest's own waitFor); the bound only catches a hang. */
const eventually = (check: () => void | Promise<void>, timeout = 10_000) => vi.waitFor(check, { timeout, interval: 25 });

async function cluster() {
  const reportsApi = policyReportsApi();
  const watches: ServerResponse[] = [];
  const lists: Record<string, unknown[]> = {
    [listPath("StatefulSet")]: [statefulSet("shop", "web"), statefulSet("billing", "ledger", false)],
  };
  const server = createServer(async (req, res) => {
    if (await reportsApi.handle(req, res)) return;
    const url = new URL(req.url ?? "/", "http://x");
    if (url.searchParams.get("watch") === "true") {
      res.writeHead(200, { "content-type": "application/json" });
      res.flushHeaders();
      if (url.pathname === listPath("StatefulSet")) watches.push(res);
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ kind: "List", metadata: { resourceVersion: "20" }, items: lists[url.pathname] ?? [] }));
  });
  const listening = await listenLocally(server, watches);
  cleanup.push(listening.close);
  return { api: { url: new URL(listening.url) }, reportsApi, watches };
}

const policy = loadPolicy(undefined);

it("writes a report per namespace, follows the watch, and deletes its report of a namespace left without objects", { timeout: 30_000 }, async () => {
  const { api, reportsApi, watches } = await cluster();
  reportsApi.reports.set("shop/kyverno-report", { metadata: { namespace: "shop", name: "kyverno-report", labels: { "app.kubernetes.io/managed-by": "kyverno" } } });
  const store = memoryClusterStore();
  const lines: Record<string, unknown>[] = [];
  const schedule = { api, store, policy, intervalMs: 60_000, log: (line: Record<string, unknown>) => lines.push(line) };

  // Before the watch has listed, the view is incomplete: nothing is written, so nothing is wrongly deleted.
  expect(await auditRound(schedule)).toBe("skipped");
  expect(reportsApi.requests).toEqual([]);

  const watch = watchCluster(api, store, { log: () => {}, timing: { backoffInitialMs: 50 } });
  cleanup.push(() => watch.stop());
  await eventually(async () => expect((await store.summary()).kinds.StatefulSet.count).toBe(2));
  // The round waits for every audited kind's list, not only the StatefulSets'.
  await eventually(async () => {
    const { kinds } = await store.summary();
    expect(auditedKinds.filter((kind) => !kinds[kind].complete)).toEqual([]);
  });
  await eventually(() => expect(watches.length).toBe(1));

  expect(await auditRound(schedule)).toBe("written");
  const billing = reportsApi.reports.get("billing/stateward-audit");
  const shop = reportsApi.reports.get("shop/stateward-audit");
  expectValidReports([billing, shop]);
  expect(billing.results).toContainEqual(
    expect.objectContaining({ policy: "statefulset-selector", result: "fail", resources: [expect.objectContaining({ name: "ledger", uid: "uid-billing-ledger" })] }),
  );
  expect(shop.summary.fail).toBe(0);
  expect(lines.at(-1)).toMatchObject({ msg: "audit: reports written", objects: 2, applied: 2, deleted: 0, failed: [] });

  // The billing StatefulSet is deleted: the next round deletes Stateward's billing report, and no one else's.
  watches[0]!.write(`${JSON.stringify({ type: "DELETED", object: statefulSet("billing", "ledger", false) })}\n`);
  await eventually(async () => expect((await store.summary()).kinds.StatefulSet.count).toBe(1));
  expect(await auditRound(schedule)).toBe("written");
  expect([...reportsApi.reports.keys()].sort()).toEqual(["shop/kyverno-report", "shop/stateward-audit"]);
  expect(reportsApi.requests.filter((r) => r.startsWith("DELETE"))).toEqual([
    "DELETE /apis/wgpolicyk8s.io/v1alpha2/namespaces/billing/policyreports/stateward-audit",
  ]);
  expect(reportsApi.requests.filter((r) => r.startsWith("PATCH")).every((r) => r.includes("fieldManager=stateward&force=true"))).toBe(true);
});

it("runs on its schedule, and says why a round failed when the API server has no PolicyReports", { timeout: 30_000 }, async () => {
  const { api, reportsApi } = await cluster();
  const store = memoryClusterStore();
  const watch = watchCluster(api, store, { log: () => {} });
  cleanup.push(() => watch.stop());
  await eventually(async () => expect((await store.summary()).kinds.PersistentVolumeClaim.complete).toBe(true));
  const lines: Record<string, unknown>[] = [];
  const scheduled = scheduleAudit({ api, store, policy, intervalMs: 100, firstAfterMs: 10, log: (line) => lines.push(line) });
  cleanup.push(() => scheduled.stop());
  await eventually(() => expect(lines.filter((l) => l.msg === "audit: reports written").length).toBeGreaterThanOrEqual(2));
  expect(reportsApi.reports.has("shop/stateward-audit")).toBe(true);

  // A cluster without the PolicyReport CRD answers 404 to the list: the round fails, says so, and writes nothing.
  const bare = createServer((_req, res) => res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ kind: "Status", code: 404, message: "the server could not find the requested resource" })));
  const bareListening = await listenLocally(bare);
  cleanup.push(bareListening.close);
  const failed: Record<string, unknown>[] = [];
  const bareApi = { url: new URL(bareListening.url) };
  expect(await auditRound({ api: bareApi, store, policy, intervalMs: 60_000, log: (l) => failed.push(l) })).toBe("failed");
  expect(failed.at(-1)).toMatchObject({
    level: "warn",
    msg: expect.stringContaining("install the wgpolicyk8s.io CRD"),
    error: expect.stringMatching(/policyreports.*404: the server could not find/),
  });
});

it("reads --audit-interval as a duration from 10s to a day, or off", () => {
  expect(parseAuditInterval("10m")).toBe(600_000);
  expect(parseAuditInterval("1h")).toBe(3_600_000);
  expect(parseAuditInterval(undefined)).toBeUndefined();
  expect(parseAuditInterval("off")).toBeUndefined();
  for (const bad of ["5s", "10", "2d", "25h", "-1m", "ten minutes"]) expect(() => parseAuditInterval(bad)).toThrow(/--audit-interval takes/);
});

it("reads --audit-memory as whole MiB, 64 unless told, from the flag or STATEWARD_AUDIT_MEMORY", () => {
  expect(readNodeOptions([], {}).auditMemoryMiB).toBe(defaultAuditMemoryMiB);
  expect(readNodeOptions(["--audit-memory", "256"], {}).auditMemoryMiB).toBe(256);
  expect(readNodeOptions([], { STATEWARD_AUDIT_MEMORY: "0" }).auditMemoryMiB).toBe(0);
  for (const bad of ["-1", "1.5", "lots", "100000"]) {
    expect(() => readNodeOptions([`--audit-memory=${bad}`], {})).toThrow(/--audit-memory takes a whole number of MiB/);
  }
});

it("says a skipped round's reason: kinds not listed yet, or kinds whose view went stale", async () => {
  const store = memoryClusterStore();
  const lines: Record<string, unknown>[] = [];
  // No request is made when a round is skipped: the API server's address is never dialled.
  const schedule = { api: { url: new URL("http://127.0.0.1:9") }, store, policy, intervalMs: 60_000, log: (line: Record<string, unknown>) => lines.push(line) };
  expect(await auditRound(schedule)).toBe("skipped");
  expect(lines.pop()).toMatchObject({ msg: "audit: skipped, the cluster view has not listed every object yet", kinds: ["StatefulSet", "PersistentVolumeClaim", "PodDisruptionBudget"] });

  expect((await store.replace({ StatefulSet: [], PersistentVolumeClaim: [], PodDisruptionBudget: [] }, 0)).ok).toBe(true);
  store.setFreshness("StatefulSet", { state: "stale", since: Date.now(), reason: "the list timed out after 60 s" });
  expect(await auditRound(schedule)).toBe("skipped");
  expect(lines.pop()).toEqual({ level: "info", msg: "audit: skipped, the cluster view is stale", kinds: ["StatefulSet"], stale: ["StatefulSet"] });
});
