/**
 * The in-cluster server against a failing API server, with its default timing: `npm run bench:watch-faults` (about
 * 5 minutes; DURATION_S sets another length). Each scenario runs `stateward serve --watch --api-server` (the compiled
 * dist/) against its own fake API server (test/support/fake-api.ts) whose five kinds all misbehave the same way, all
 * scenarios at once, and counts what the server asked the fake, what it logged, and when each kind turned stale
 * (polling /inventory/summary every second). The figures go into docs/operations.md by hand: the run is too long for
 * npm test, whose watch tests check the same behaviour with the timing scaled down.
 */
import { cpus, loadavg } from "node:os";
import { clusterKinds } from "../src/cluster/kinds.js";
import { freePort, start } from "../scripts/servers.js";
import { type Fault, fakeApiServer } from "../test/support/fake-api.js";
import { table } from "./stats.js";

const durationMs = Number(process.env.DURATION_S ?? 300) * 1000;

const scenarios: { name: string; fault: Fault }[] = [
  { name: "every list and watch answered 500", fault: "error" },
  { name: "every watch answered 410 Gone (lists answer)", fault: "gone" },
  { name: "every watch ends at once (lists answer)", fault: "end-at-once" },
  { name: "every list and watch hangs", fault: "hang" },
];

interface Outcome {
  name: string;
  lists: number;
  watches: number;
  perMinute: number[];
  logLines: number;
  logBytes: number;
  staleAfterS: number[];
  readyz: string;
}

async function run(name: string, fault: Fault): Promise<Outcome> {
  const api = await fakeApiServer();
  // The cluster: 1,203 Services, so a relist costs what it cost there.
  for (let i = 0; i < 1_203; i += 1) {
    api.put("Service", { apiVersion: "v1", kind: "Service", metadata: { name: `svc-${i}`, namespace: `ns-${i % 40}` }, spec: { clusterIP: "None" } });
  }
  for (const kind of clusterKinds) api.setFault(kind, fault);
  let logLines = 0;
  let logBytes = 0;
  const port = await freePort();
  const started = Date.now();
  const server = await start(
    name,
    process.execPath,
    ["bin/stateward.js", "serve", "--host", "127.0.0.1", "--port", String(port), "--watch", "--api-server", api.url],
    port,
    30_000,
    { WEBHOOK_TOKEN: "", KUBERNETES_SERVICE_HOST: "", STATEWARD_LOG: "off" },
    (chunk) => {
      logBytes += chunk.length;
      for (const byte of chunk) if (byte === 10) logLines += 1;
    },
  );
  const staleAt = new Map<string, number>();
  let readyz = "";
  while (Date.now() - started < durationMs) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const summary = (await (await fetch(`${server.url}/inventory/summary`)).json()) as { kinds: Record<string, { stale?: unknown }> };
    for (const [kind, state] of Object.entries(summary.kinds)) if (state.stale && !staleAt.has(kind)) staleAt.set(kind, Date.now() - started);
    readyz = JSON.stringify(await (await fetch(`${server.url}/readyz`)).json());
  }
  await server.stop();
  await api.close();
  const requests = api.requests.filter((r) => r.at - started < durationMs);
  const perMinute = Array.from({ length: Math.ceil(durationMs / 60_000) }, (_, minute) =>
    requests.filter((r) => r.at - started >= minute * 60_000 && r.at - started < (minute + 1) * 60_000).length,
  );
  return {
    name,
    lists: requests.filter((r) => r.verb === "list").length,
    watches: requests.filter((r) => r.verb === "watch").length,
    perMinute,
    logLines,
    logBytes,
    staleAfterS: [...staleAt.values()].map((ms) => ms / 1000),
    readyz,
  };
}

const outcomes = await Promise.all(scenarios.map((s) => run(s.name, s.fault)));
const seconds = durationMs / 1000;
console.log(`${seconds} s per scenario, all at once; ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(1)).join(" ")} at the end; five kinds each`);
console.log(
  table(
    ["API server", "lists", "watches", "requests/s", "requests per minute", "log lines (bytes)", "stale after (s, per kind)"],
    outcomes.map((o) => [
      o.name,
      String(o.lists),
      String(o.watches),
      ((o.lists + o.watches) / seconds).toFixed(3),
      o.perMinute.join(", "),
      `${o.logLines} (${o.logBytes})`,
      o.staleAfterS.length ? `${Math.min(...o.staleAfterS)} to ${Math.max(...o.staleAfterS)}` : "never",
    ]),
  ),
);
for (const o of outcomes) console.log(`${o.name}: /readyz ${o.readyz}`);
