/**
 * Abandoned paged syncs against the compiled Node server with the in-cluster heap (`--max-old-space-size=224`, as
 * k8s/overlays/in-cluster/server.yaml sets it): `npm run bench:sync-sessions`. A caller with the token opens 1,000
 * sessions and sends each one page of 5,000 Service records (~2.9 MB), never committing, then keeps sending pages to
 * the sessions it got until the store refuses. The server's heap and RSS are read from /metrics (prom-client's
 * nodejs_heap_size_used_bytes and process_resident_memory_bytes, no forced garbage collection) before, right after, and
 * (unless QUICK=1) once the sessions' 10 minutes have passed. The figures go into docs/operations.md by hand.
 * On fec0025, 50 such sessions ran this heap out of memory (issue 24).
 */
import { loadavg } from "node:os";
import { startNodeServer } from "../scripts/servers.js";
import { table } from "./stats.js";

const token = "bench-token";
const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** One page: 5,000 records of ~580 bytes of JSON each. */
const page = JSON.stringify({
  kind: "Service",
  records: Array.from({ length: 5_000 }, (_, i) => ({
    namespace: `namespace-${i % 50}`,
    name: `service-${i}`.padEnd(60, "x"),
    clusterIP: "None",
    selector: Object.fromEntries(Array.from({ length: 4 }, (_, k) => [`app.kubernetes.io/part-${k}`, `value-${i}-${k}`.padEnd(90, "v")])),
  })),
});

function sample(text: string, name: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(" ")[1]) : Number.NaN;
}

async function main(): Promise<void> {
  const server = await startNodeServer({ WEBHOOK_TOKEN: token, STATEWARD_WATCH: "false", STATEWARD_LOG: "off", NODE_OPTIONS: "--max-old-space-size=224" });
  const post = (path: string, body: string) => fetch(`${server.url}${path}`, { method: "POST", headers, body });
  const memory = async (when: string) => {
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const summary = (await (await fetch(`${server.url}/inventory/summary`, { headers })).json()) as { syncSessions: { open: number; stagedBytes: number } };
    return [when, mib(sample(metrics, "nodejs_heap_size_used_bytes")), mib(sample(metrics, "process_resident_memory_bytes")), String(summary.syncSessions.open), mib(summary.syncSessions.stagedBytes)];
  };
  try {
    const rows = [await memory("before")];
    const statuses = new Map<string, number>();
    const count = (what: string, status: number) => statuses.set(`${what} ${status}`, (statuses.get(`${what} ${status}`) ?? 0) + 1);
    const sessions: string[] = [];
    for (let i = 0; i < 1_000; i += 1) {
      const opened = await post("/inventory/sync", JSON.stringify({ kinds: ["Service"] }));
      count("open", opened.status);
      const body = (await opened.json()) as { session?: string };
      if (!body.session) continue;
      sessions.push(body.session);
      const staged = await post(`/inventory/sync/${body.session}/pages`, page);
      count("page", staged.status);
      await staged.arrayBuffer();
    }
    // More pages to the sessions it got, until the store's byte bound refuses one (and drops that session).
    for (let round = 0; round < 5; round += 1) {
      for (const session of sessions) {
        const staged = await post(`/inventory/sync/${session}/pages`, page);
        count("more pages", staged.status);
        await staged.arrayBuffer();
      }
    }
    rows.push(await memory("after 1,000 opens and their pages"));
    const ready = await fetch(`${server.url}/readyz`);
    console.log(`page: ${mib(page.length)}; answers: ${[...statuses].map(([k, v]) => `${k}: ${v}`).join(", ")}; /readyz ${ready.status}`);
    if (process.env.QUICK !== "1") {
      await new Promise((resolve) => setTimeout(resolve, 10 * 60_000 + 30_000));
      rows.push(await memory("10.5 minutes later, no request in between"));
    }
    console.log(table(["when", "heap used", "RSS", "open sessions", "staged"], rows));
    console.log(`load average ${loadavg()[0]!.toFixed(1)}, ${new Date().toISOString()}`);
  } finally {
    await server.stop();
  }
}

await main();
