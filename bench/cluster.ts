/**
 * The cluster view at size: the watch's memory with 50,000 Services and 10,000 StatefulSets streamed from a local
 * list/watch server, and a `stateward sync` of 100,000 objects of realistic size into the Node store and into wrangler
 * dev's Durable Object, with the summary's cost at 100 and at 100,000 objects. `npm run bench` runs it after the
 * others; `tsx bench/cluster.ts [--quick]` runs it alone and rewrites its section of docs/performance.md.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { type ClusterKind, clusterKinds, listPath, recordOf } from "../src/cluster/kinds.js";
import { withoutAuditCopy } from "../src/cluster/records.js";
import { freePort, listenLocally, type RunningServer, start, wranglerArgs } from "../scripts/servers.js";
import { memoryOf } from "./servers.js";
import { formatMs, table } from "./stats.js";

const root = join(import.meta.dirname, "..");
const token = "bench-token";
const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;
/** Kubernetes objects as clusters hold them: labels, a last-applied annotation, managedFields; about 2.5 KB each. */
const targetBytes = 2_500;

function pad<T extends { metadata: { annotations: Record<string, string> } }>(object: T): T {
  const size = JSON.stringify(object).length;
  if (size < targetBytes) object.metadata.annotations["example.com/notes"] = "n".repeat(targetBytes - size);
  return object;
}

function metadata(kind: string, i: number) {
  const namespace = `team-${i % 250}`;
  const name = `${kind.toLowerCase()}-${i}`;
  return {
    name,
    namespace,
    uid: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    resourceVersion: String(1_000_000 + i),
    creationTimestamp: "2026-01-01T00:00:00Z",
    labels: { "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": namespace, tier: "data", release: "stable" },
    annotations: { "kubectl.kubernetes.io/last-applied-configuration": `{"apiVersion":"v1","kind":"${kind}","metadata":{"name":"${name}"}}` } as Record<string, string>,
    managedFields: [{ manager: "kubectl-client-side-apply", operation: "Update", apiVersion: "v1", time: "2026-01-01T00:00:00Z", fieldsType: "FieldsV1", fieldsV1: { "f:metadata": { "f:labels": {} }, "f:spec": {} } }],
  };
}

const make: Record<ClusterKind, (i: number) => unknown> = {
  Service: (i) =>
    pad({
      apiVersion: "v1",
      kind: "Service",
      metadata: metadata("Service", i),
      spec: { clusterIP: i % 2 ? "None" : `10.96.${(i >> 8) % 256}.${i % 256}`, selector: { "app.kubernetes.io/name": `app-${i}` }, ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }], type: "ClusterIP" },
    }),
  StorageClass: (i) =>
    pad({ apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { ...metadata("StorageClass", i), namespace: undefined as never }, provisioner: "ebs.csi.aws.com", allowVolumeExpansion: true }),
  StatefulSet: (i) =>
    pad({
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: metadata("StatefulSet", i),
      spec: {
        replicas: 3,
        serviceName: `statefulset-${i}`,
        selector: { matchLabels: { app: `db-${i}` } },
        template: { metadata: { labels: { app: `db-${i}` } }, spec: { containers: [{ name: "db", image: "postgres:16", ports: [{ containerPort: 5432 }], volumeMounts: [{ name: "data", mountPath: "/var/lib/postgresql" }] }] } },
        volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], storageClassName: "gp3", resources: { requests: { storage: "20Gi" } } } }],
      },
    }),
  PersistentVolumeClaim: (i) =>
    pad({
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: metadata("PersistentVolumeClaim", i),
      spec: { accessModes: ["ReadWriteOnce"], storageClassName: "gp3", resources: { requests: { storage: "20Gi" } }, volumeName: `pvc-${i}`, volumeMode: "Filesystem" },
      status: { phase: "Bound", capacity: { storage: "20Gi" } },
    }),
  PodDisruptionBudget: (i) =>
    pad({ apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: metadata("PodDisruptionBudget", i), spec: { maxUnavailable: 1, selector: { matchLabels: { app: `db-${i}` } } } }),
};

type Counts = Partial<Record<ClusterKind, number>>;

/** A list/watch API server whose objects are made on the fly from their index: it holds nothing itself. */
async function apiServer(counts: Counts): Promise<{ url: string; close(): Promise<void> }> {
  const open = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const kind = clusterKinds.find((k) => listPath(k) === url.pathname);
    if (!kind) return res.writeHead(404).end();
    if (url.searchParams.get("watch") === "true") {
      res.writeHead(200, { "content-type": "application/json" });
      res.flushHeaders();
      open.add(res);
      return;
    }
    const total = counts[kind] ?? 0;
    const limit = Number(url.searchParams.get("limit") || total || 1);
    const from = Number(url.searchParams.get("continue") || "0");
    const to = Math.min(total, from + limit);
    const items = [];
    for (let i = from; i < to; i += 1) items.push(make[kind](i));
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ kind: `${kind}List`, metadata: { resourceVersion: "2000000", ...(to < total ? { continue: String(to) } : {}) }, items }));
  });
  return listenLocally(server, open);
}

async function summary(url: string): Promise<{ kinds: Record<ClusterKind, { count: number }> }> {
  const response = await fetch(`${url}/inventory/summary`, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`summary: ${response.status} ${await response.text()}`);
  return (await response.json()) as { kinds: Record<ClusterKind, { count: number }> };
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > timeoutMs) throw new Error(`not done within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return performance.now() - started;
}

async function nodeServer(args: string[], env: Record<string, string> = {}): Promise<RunningServer> {
  const port = await freePort();
  return start("Stateward on Node", process.execPath, ["bin/stateward.js", "serve", "--host", "127.0.0.1", "--port", String(port), ...args], port, 60_000, {
    WEBHOOK_TOKEN: token,
    STATEWARD_WATCH: "false",
    ...env,
  });
}

async function settle(pid: number): Promise<number> {
  // Let the collector run after the burst: RSS a little after is what the pod keeps.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  return memoryOf(pid).rssKiB;
}

interface WatchRow {
  setup: string;
  rssKiB: number;
  hwmKiB: number;
  listMs?: number;
}

async function watchMemory(services: number, statefulSets: number): Promise<WatchRow[]> {
  const rows: WatchRow[] = [];
  const idle = await nodeServer([]);
  try {
    rows.push({ setup: "serve, no watch", rssKiB: await settle(idle.pid), hwmKiB: memoryOf(idle.pid).hwmKiB });
  } finally {
    await idle.stop();
  }
  for (const counts of [{}, { Service: services, StatefulSet: statefulSets }] as Counts[]) {
    const api = await apiServer(counts);
    const server = await nodeServer(["--watch", "--api-server", api.url]);
    try {
      const listMs = await until(async () => {
        const s = await summary(server.url);
        return clusterKinds.every((k) => s.kinds[k].count === (counts[k] ?? 0)) && (await summary(server.url)) !== undefined;
      }, 600_000);
      const label = counts.Service ? `serve --watch, ${services} Services + ${statefulSets} StatefulSets listed` : "serve --watch, empty cluster";
      rows.push({ setup: label, rssKiB: await settle(server.pid), hwmKiB: memoryOf(server.pid).hwmKiB, listMs });
    } finally {
      await server.stop();
      await api.close();
    }
  }
  return rows;
}

interface SyncRow {
  target: string;
  objects: number;
  totalMs: number;
  slowestPageMs: number;
  commitMs: number;
  syncRssKiB: number;
  serverRssKiB?: number;
  summarySmallMs: number;
  summaryBigMs: number;
}

/** `stateward sync` as the CronJob runs it: a child process; its peak RSS is sampled while it runs. */
async function runSync(targetUrl: string, apiUrl: string): Promise<{ ms: number; lines: Record<string, unknown>[]; hwmKiB: number }> {
  const dir = mkdtempSync(join(tmpdir(), "stateward-bench-sync-"));
  writeFileSync(join(dir, "token"), "sa");
  writeFileSync(join(dir, "webhook-token"), token);
  const started = performance.now();
  // The heap cap the CronJob sets (NODE_OPTIONS in k8s/overlays/edge/inventory-sync.yaml).
  const child = spawn(process.execPath, ["--max-old-space-size=128", "bin/stateward.js", "sync", "--url", targetUrl, "--api-server", apiUrl, "--service-account", dir, "--token-file", join(dir, "webhook-token")], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  let hwmKiB = 0;
  const sampler = setInterval(() => {
    try {
      const { hwmKiB: now } = memoryOf(child.pid!);
      if (Number.isFinite(now)) hwmKiB = Math.max(hwmKiB, now);
    } catch {
      // exited
    }
  }, 100);
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  clearInterval(sampler);
  rmSync(dir, { recursive: true, force: true });
  const lines = out.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  if (code !== 0) throw new Error(`stateward sync exited with ${code}: ${out.slice(-500)}`);
  return { ms: performance.now() - started, lines, hwmKiB };
}

async function summaryMs(url: string, times = 50): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i += 1) {
    const started = performance.now();
    await summary(url);
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

async function bigSync(target: RunningServer, big: Counts, small: Counts, withServerRss: boolean): Promise<SyncRow> {
  const smallApi = await apiServer(small);
  await runSync(target.url, smallApi.url);
  await smallApi.close();
  const summarySmallMs = await summaryMs(target.url);
  const api = await apiServer(big);
  try {
    const run = await runSync(target.url, api.url);
    const committed = run.lines.find((l) => l.msg === "sync: committed")!;
    const listed = run.lines.filter((l) => l.msg === "sync: listed");
    const objects = Object.values(big).reduce((a, b) => a + (b ?? 0), 0);
    const counts = committed.counts as Counts;
    if (Object.values(counts).reduce((a, b) => a + (b ?? 0), 0) !== objects) throw new Error(`sync committed ${JSON.stringify(counts)}`);
    return {
      target: target.name,
      objects,
      totalMs: run.ms,
      slowestPageMs: Math.max(...listed.map((l) => Number(l.slowestPageMs))),
      commitMs: Number(committed.commitMs),
      syncRssKiB: run.hwmKiB,
      serverRssKiB: withServerRss ? await settle(target.pid) : undefined,
      summarySmallMs,
      // After a pause: right after a commit of 100,000 rows workerd is still writing them to disk.
      summaryBigMs: await new Promise((resolve) => setTimeout(resolve, 5_000)).then(() => summaryMs(target.url)),
    };
  } finally {
    await api.close();
  }
}

interface CopyRow {
  kind: ClusterKind;
  objects: number;
  recordsKiB: number;
  withCopiesKiB: number;
  copyBytes: number;
}

/** Heap used after a full collection, in KiB. */
function heapKiB(): number {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
  return process.memoryUsage().heapUsed / 1024;
}

/**
 * What the audit's copies cost the Node store: the records of `objects` objects of each audited kind held on the heap
 * with their copies and without (the same records, the copy left out), measured in this process after a collection.
 */
function copyMemory(objects: number): CopyRow[] {
  return (["StatefulSet", "PersistentVolumeClaim"] as const).map((kind) => {
    const before = heapKiB();
    let records: unknown[] = [];
    for (let i = 0; i < objects; i += 1) records.push(recordOf(kind, make[kind](i)));
    const withCopies = heapKiB() - before;
    const copyBytes = records.reduce<number>((sum, r) => sum + ((r as { audit?: { json?: string } }).audit?.json?.length ?? 0), 0) / objects;
    records = records.map((r) => withoutAuditCopy(r as object));
    const recordsOnly = heapKiB() - before;
    records = [];
    return { kind, objects, recordsKiB: recordsOnly, withCopiesKiB: withCopies, copyBytes };
  });
}

interface AuditRow {
  target: string;
  held: string;
  limit: number;
  ms: number;
  objects: number;
}

/** GET /audit of one page of `limit` objects, median of `times` requests; the store holds the big sync's objects. */
async function auditPage(target: RunningServer, held: string, limit: number, times = 3): Promise<AuditRow> {
  const samples: number[] = [];
  let objects = 0;
  for (let i = 0; i < times; i += 1) {
    const started = performance.now();
    const response = await fetch(`${target.url}/audit?limit=${limit}`, { headers: { authorization: `Bearer ${token}` } });
    if (!response.ok) throw new Error(`audit: ${response.status} ${await response.text()}`);
    objects = ((await response.json()) as { objects: unknown[] }).objects.length;
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { target: target.name, held, limit, ms: samples[Math.floor(samples.length / 2)]!, objects };
}

export interface ClusterBench {
  watch: WatchRow[];
  sync: SyncRow[];
  copies: CopyRow[];
  audit: AuditRow[];
}

export async function runClusterBench(quick: boolean, withWrangler = true): Promise<ClusterBench> {
  const scale = quick ? 10 : 1;
  const watch = await watchMemory(50_000 / scale, 10_000 / scale);
  const big: Counts = { Service: 40_000 / scale, StatefulSet: 20_000 / scale, PersistentVolumeClaim: 30_000 / scale, PodDisruptionBudget: 9_990 / scale, StorageClass: 10 };
  const small: Counts = { Service: 40, StatefulSet: 20, PersistentVolumeClaim: 30, PodDisruptionBudget: 9, StorageClass: 1 };
  const sync: SyncRow[] = [];
  const audit: AuditRow[] = [];
  const held = `${big.StatefulSet} StatefulSets, ${big.PersistentVolumeClaim} PVCs`;
  const node = await nodeServer([]);
  try {
    sync.push(await bigSync(node, big, small, true));
    for (const limit of [500, 5_000]) audit.push(await auditPage(node, held, limit));
  } finally {
    await node.stop();
  }
  if (withWrangler) {
    const persist = mkdtempSync(join(tmpdir(), "stateward-bench-do-"));
    const port = await freePort();
    const args = [...wranglerArgs(port, await freePort()), "--persist-to", persist, "--var", `WEBHOOK_TOKEN:${token}`];
    const wrangler = await start("Stateward on wrangler dev (Durable Object)", join(root, "node_modules", ".bin", "wrangler"), args, port, 90_000);
    try {
      sync.push(await bigSync(wrangler, big, small, false));
      for (const limit of [500, 5_000]) audit.push(await auditPage(wrangler, held, limit));
    } finally {
      await wrangler.stop();
      rmSync(persist, { recursive: true, force: true });
    }
  }
  return { watch, sync, copies: copyMemory(50_000 / scale), audit };
}

export function clusterBenchSection(result: ClusterBench): string[] {
  return [
    "## Cluster view at size",
    "",
    "`bench/cluster.ts`. Objects of about 2.5 KB each (labels, a last-applied annotation, managedFields), made on the",
    "fly by a local list/watch API server on 127.0.0.1, so the bench process holds none of them.",
    "",
    "### Watch memory (Node server, `serve --watch --api-server`)",
    "",
    "Resident set two seconds after the lists were stored (`/proc/<pid>/status`), and its peak over the process's life.",
    "The in-cluster Deployment's requests and limits are set from the last row (k8s/overlays/in-cluster/server.yaml).",
    "",
    table(
      ["server", "RSS", "peak RSS (VmHWM)", "lists stored after"],
      result.watch.map((r) => [r.setup, mib(r.rssKiB), mib(r.hwmKiB), r.listMs === undefined ? "" : formatMs(r.listMs)]),
    ),
    "",
    "### A paged sync of many objects (`stateward sync`, pages of 500 objects)",
    "",
    "`stateward sync` runs as a child process with the CronJob's heap cap (128 MiB); its peak RSS is sampled every",
    "100 ms. Each page and",
    "the commit are one request each: the slowest of them is the bound to compare with the Workers limits (a Durable",
    "Object request's CPU time is at most its wall time here). The summary is timed (median of 50) after a sync of 100",
    "objects and again after the big one: the counts are kept as rows change, so it costs the same.",
    "",
    table(
      ["target", "objects", "total", "slowest page request", "commit request", "sync peak RSS", "server RSS after", "summary at 100", "summary at 100,000"],
      result.sync.map((r) => [
        r.target,
        String(r.objects),
        formatMs(r.totalMs),
        formatMs(r.slowestPageMs),
        formatMs(r.commitMs),
        mib(r.syncRssKiB),
        r.serverRssKiB === undefined ? "(workerd)" : mib(r.serverRssKiB),
        formatMs(r.summarySmallMs),
        formatMs(r.summaryBigMs),
      ]),
    ),
    "",
    "### What the audit's copies cost (Node store)",
    "",
    "Beside each StatefulSet's and PVC's record the store keeps a pruned copy of the object for the audit (GET /audit,",
    "`--audit-interval`): metadata without managedFields and the last-applied annotation, and spec, as JSON text of at",
    "most 16 KiB. Heap used after a full collection, for the bench's objects (their padding annotation is kept, so",
    "these copies are larger than most real ones), with the copies and with the same records without them.",
    "",
    table(
      ["kind", "objects", "records only", "records with copies", "copy size (mean)"],
      result.copies.map((r) => [r.kind, String(r.objects), mib(r.recordsKiB), mib(r.withCopiesKiB), `${Math.round(r.copyBytes)} B`]),
    ),
    "",
    "### GET /audit: one page",
    "",
    "Median of 3 requests of one page (`limit` objects, StatefulSets first) over the store the big sync filled. On",
    "wrangler dev the time includes reading the page from the Durable Object and the rules' batched lookups; a",
    "request's CPU time is at most its wall time here, to compare with the Workers CPU limit (30 s by default on the",
    "paid plan). `stateward sync --policy-reports` reads pages of 1,000.",
    "",
    table(
      ["target", "store holds", "limit", "objects audited", "time"],
      result.audit.map((r) => [r.target, r.held, String(r.limit), String(r.objects), formatMs(r.ms)]),
    ),
    "",
  ];
}

const sectionStart = "## Cluster view at size";

/** Replaces (or appends) this bench's section of docs/performance.md. */
export function writeClusterSection(lines: string[]): void {
  const path = join(root, "docs", "performance.md");
  const doc = readFileSync(path, "utf8");
  const at = doc.indexOf(sectionStart);
  const next = at < 0 ? -1 : doc.indexOf("\n## ", at + sectionStart.length);
  const before = at < 0 ? `${doc.trimEnd()}\n\n` : doc.slice(0, at);
  const after = next < 0 ? "" : doc.slice(next + 1);
  writeFileSync(path, before + lines.join("\n") + (after ? `\n${after}` : ""));
}

if (process.argv[1]?.endsWith("cluster.ts")) {
  const args = new Set(process.argv.slice(2));
  const result = await runClusterBench(args.has("--quick"), !args.has("--no-wrangler"));
  const lines = clusterBenchSection(result);
  console.log(lines.join("\n"));
  if (!args.has("--quick")) writeClusterSection(lines);
}
