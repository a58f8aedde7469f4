/**
 * `npm run bench [-- --quick] [-- --no-wrangler] [-- --no-http] [-- --no-cluster]`: the in-process benchmark, the HTTP
 * load runs, the memory run, the cluster view at size (bench/cluster.ts) and the start-up of the packed command;
 * prints the tables and writes them to docs/performance.md with the machine and date. `npm run bench -- --startup`
 * measures start-up and installed size alone and replaces only that section of docs/performance.md.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { benchCases, fixture, fixtures } from "./cases.js";
import { clusterBenchSection, runClusterBench, writeClusterSection } from "./cluster.js";
import { type LoadResult, load, type MemoryRun, memoryRun } from "./http.js";
import { type InProcessResult, runInProcess } from "./inprocess.js";
import {
  memoryOf,
  type RunningServer,
  startBareNode,
  startBareWrangler,
  startNodeServer,
  startWranglerDev,
} from "./servers.js";
import { startupSection } from "./startup.js";
import { formatBytes, formatMs, table } from "./stats.js";

const args = new Set(process.argv.slice(2));
const quick = args.has("--quick");
const withHttp = !args.has("--no-http");
const withWrangler = !args.has("--no-wrangler");
const startupOnly = args.has("--startup");
const startupRuns = quick ? 10 : 30;
const performancePath = join(import.meta.dirname, "..", "docs", "performance.md");
const startupHeading = "## Start-up and installed size";

const connectionLevels = [1, 16, 64];
const durationSeconds = quick ? 2 : 8;
const memoryRequests = quick ? 20_000 : 200_000;
const memoryConnections = 16;

const targetText = ({ target }: InProcessResult) => `p99 < ${target.p99Ms} ms${target.ratio ? `, <= ${target.ratio}x` : ""}`;

function inProcessTable(results: InProcessResult[]): string {
  return table(
    ["case", "route", "body", "median", "p99", "baseline median", "baseline p99", "ratio", "target", "met", "via fetch median", "bare Hono fetch median"],
    results.map((r) => [
      r.name,
      r.route,
      formatBytes(r.bytes),
      formatMs(r.medianMs),
      formatMs(r.p99Ms),
      formatMs(r.baselineMedianMs),
      formatMs(r.baselineP99Ms),
      `${r.ratio.toFixed(2)}x`,
      targetText(r),
      r.met ? "yes" : "NO",
      formatMs(r.fetchMedianMs),
      formatMs(r.bareMedianMs),
    ]),
  );
}

function httpTable(results: LoadResult[]): string {
  return table(
    ["server", "route", "connections", "requests", "req/s", "p50", "p99", "p99.9", "failures"],
    results.map((r) => [
      r.server,
      r.route,
      String(r.connections),
      String(r.requests),
      r.reqPerSec.toFixed(0),
      formatMs(r.p50Ms),
      formatMs(r.p99Ms),
      formatMs(r.p999Ms),
      String(r.failures),
    ]),
  );
}

const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;

function memoryTable(peakUnderLoadKiB: number | undefined, run: MemoryRun | undefined): string {
  const rows: string[][] = [];
  if (peakUnderLoadKiB !== undefined) rows.push(["peak RSS (VmHWM) after the load runs above", mib(peakUnderLoadKiB)]);
  if (run) {
    rows.push(
      [`long run: requests (/validate, ${run.connections} connections)`, String(run.requests)],
      ["RSS after warm-up", mib(run.afterWarmupKiB)],
      ["RSS at the end", mib(run.atEndKiB)],
      ["growth, end vs warm-up", `${(run.growth * 100).toFixed(1)} %`],
      ["RSS after each tenth of the run", run.samplesKiB.map((k) => (k / 1024).toFixed(0)).join(", ") + " MiB"],
      ["peak RSS (VmHWM) over the whole process life", mib(run.peakKiB)],
      ["failed requests", String(run.failures)],
    );
  }
  return table(["Node server memory", "value"], rows);
}

const readmePath = join(import.meta.dirname, "..", "README.md");
const summaryStart = "<!-- bench:start: written by `npm run bench`, do not edit -->";
const summaryEnd = "<!-- bench:end -->";

/** The README's figures: the in-process ratios, each server against its bare reference, and the memory run. */
function readmeSummary(
  machine: string,
  started: Date,
  inProcess: InProcessResult[],
  http: LoadResult[],
  peakUnderLoadKiB: number | undefined,
  run: MemoryRun | undefined,
): string {
  const top = Math.max(...connectionLevels);
  const at = (server: string, route: string) => http.find((r) => r.server === server && r.route === route && r.connections === top);
  const httpRows: string[][] = [];
  for (const [server, bare] of [["Stateward on Node", "bare Hono on Node"], ["Stateward on wrangler dev", "bare Hono on wrangler dev"]]) {
    const reference = at(bare!, "/validate");
    for (const route of ["/validate", "/mutate"]) {
      const r = at(server!, route);
      if (!r || !reference) continue;
      httpRows.push([
        server!,
        route,
        r.reqPerSec.toFixed(0),
        `${((r.reqPerSec / reference.reqPerSec) * 100).toFixed(0)} %`,
        formatMs(r.p99Ms),
        String(r.failures),
      ]);
    }
  }
  const lines = [
    summaryStart,
    `Full run of ${started.toISOString().slice(0, 10)} on ${machine}.`,
    "",
    table(
      ["case", "route", "median", "p99", "baseline median", "baseline p99", "ratio", "target met"],
      inProcess.map((r) => [
        r.name,
        r.route,
        formatMs(r.medianMs),
        formatMs(r.p99Ms),
        formatMs(r.baselineMedianMs),
        formatMs(r.baselineP99Ms),
        `${r.ratio.toFixed(2)}x`,
        r.met ? "yes" : `no (${targetText(r)})`,
      ]),
    ),
    "",
    table([`server, ${top} connections`, "route", "req/s", "of the bare Hono route", "p99", "failures"], httpRows),
    "",
  ];
  if (run && peakUnderLoadKiB !== undefined) {
    lines.push(
      `Node server memory: peak RSS ${mib(peakUnderLoadKiB)} under the load above; over ${run.requests} more requests RSS went ` +
        `from ${mib(run.afterWarmupKiB)} after warm-up to ${mib(run.atEndKiB)} (${(run.growth * 100).toFixed(1)} %), ${run.failures} failed.`,
      "",
    );
  }
  lines.push(summaryEnd);
  return lines.join("\n");
}

function writeReadmeSummary(summary: string): void {
  const readme = readFileSync(readmePath, "utf8");
  const from = readme.indexOf(summaryStart);
  const to = readme.indexOf(summaryEnd);
  if (from < 0 || to < from) throw new Error(`README.md has no ${summaryStart} ... ${summaryEnd} block`);
  writeFileSync(readmePath, readme.slice(0, from) + summary + readme.slice(to + summaryEnd.length));
}

async function withServer<T>(start: () => Promise<RunningServer>, use: (server: RunningServer) => Promise<T>): Promise<T | undefined> {
  let server: RunningServer;
  try {
    server = await start();
  } catch (error) {
    console.error(`skipped: ${(error as Error).message.split("\n")[0]}`);
    return undefined;
  }
  try {
    return await use(server);
  } finally {
    await server.stop();
  }
}

/** Replaces the start-up section of docs/performance.md (up to the next section), or appends it. */
function writeStartupSection(text: string): void {
  const doc = readFileSync(performancePath, "utf8");
  const from = doc.indexOf(startupHeading);
  if (from < 0) return writeFileSync(performancePath, `${doc.trimEnd()}\n\n${text}`);
  const next = doc.indexOf("\n## ", from + startupHeading.length);
  writeFileSync(performancePath, doc.slice(0, from) + text + (next < 0 ? "" : doc.slice(next + 1)));
}

async function main(): Promise<void> {
  const started = new Date();
  if (startupOnly) {
    console.log("Start-up and installed size of the packed command");
    const startup = await startupSection(startupRuns);
    console.log(startup.text);
    writeStartupSection(startup.text);
    console.log("\nwrote the start-up section of docs/performance.md");
    return;
  }
  console.log(`Stateward benchmark (${quick ? "quick" : "full"} run)`);

  console.log("\nIn process: one AdmissionReview, text in and text out, vs JSON.parse + JSON.stringify of the same body");
  const inProcess = await runInProcess(benchCases(), quick);
  const inProcessText = inProcessTable(inProcess);
  console.log(inProcessText);

  const http: LoadResult[] = [];
  let peakUnderLoadKiB: number | undefined;
  let longRun: MemoryRun | undefined;
  if (withHttp) {
    const validateBody = JSON.stringify(fixture(fixtures.smallValidate));
    const mutateBody = JSON.stringify(fixture(fixtures.smallMutate));
    const servers: Array<[() => Promise<RunningServer>, boolean]> = [
      [startBareNode, false],
      [startNodeServer, true],
    ];
    if (withWrangler) servers.push([startBareWrangler, false], [startWranglerDev, true]);
    for (const [start, isStateward] of servers) {
      await withServer(start, async (server) => {
        console.log(`\n${server.name} at ${server.url}`);
        // A short warm-up so the first level does not measure the JIT.
        await load(server, { route: "/validate", body: validateBody, connections: 4, durationSeconds: 1 });
        const routes: Array<[string, string]> = isStateward
          ? [["/validate", validateBody], ["/mutate", mutateBody]]
          : [["/validate", validateBody]];
        for (const [route, body] of routes) {
          for (const connections of connectionLevels) {
            const result = await load(server, { route, body, connections, durationSeconds });
            http.push(result);
            console.log(httpTable([result]).split("\n")[2]);
          }
        }
        if (server.name === "Stateward on Node") {
          peakUnderLoadKiB = memoryOf(server.pid).hwmKiB;
          console.log(`peak RSS under load: ${mib(peakUnderLoadKiB)}; long run of ${memoryRequests} requests...`);
          longRun = await memoryRun(server, validateBody, "/validate", memoryRequests, memoryConnections);
        }
      });
    }
    console.log(`\nOver HTTP on 127.0.0.1 (autocannon, ${durationSeconds} s per row, small StatefulSet body)`);
    console.log(httpTable(http));
    console.log(`\n${memoryTable(peakUnderLoadKiB, longRun)}`);
  }

  console.log("\nStart-up and installed size of the packed command");
  const startup = await startupSection(startupRuns);
  console.log(startup.text);

  const cpu = cpus();
  const machine = `${cpu[0]?.model ?? "unknown CPU"}, ${cpu.length} cores, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, Node ${process.version}, ${process.platform}/${process.arch}`;
  const doc = [
    "# Performance",
    "",
    "Generated by `npm run bench`" + (quick ? " `-- --quick` (short runs; re-run without `--quick` for the full figures)." : "."),
    "",
    `- Machine: ${machine}`,
    `- Date: ${started.toISOString()}`,
    `- Run: ${quick ? "quick" : "full"}; the load generator (autocannon) runs on the same cores as the servers.`,
    "",
    "## In process",
    "",
    "One AdmissionReview end to end, body text in and response text out (`admitBody` in `src/http/app.ts`, the function",
    "the admission routes call, plus `JSON.stringify` of its answer): JSON parse, shape limits, envelope, object",
    "decoding, rules or defaults, patch, serialization; with the built-in policy and an in-memory cluster view.",
    "Baseline: `JSON.parse` + `JSON.stringify` of the same body in the same run, the least any webhook must do. Targets",
    "from issue 9: typical cases within 3x the baseline and p99 under 1 ms; the near-limit case p99 under 10 ms (the",
    "Workers free-plan CPU limit). The last two columns add the runtime's plumbing: the same call through the Hono app's",
    "`fetch` (Request, body stream, routing, authentication, log line, Response), and the same body through a bare Hono",
    "route that only parses it and allows it (`bench/bare-app.ts`), which is what that plumbing costs without Stateward.",
    "",
    inProcessText,
    "",
  ];
  if (withHttp) {
    doc.push(
      "## Over HTTP on 127.0.0.1",
      "",
      `autocannon, ${durationSeconds} s per row, the seeds' small StatefulSet (\`${fixtures.smallValidate}\` and its mutate twin).`,
      "Latency percentiles come from every response time autocannon measured (its own histogram rounds to 1 ms).",
      "The reference is a bare Hono route (`bench/bare-app.ts`) that parses the review and answers `allowed: true` with",
      "its uid, on the same runtime. `wrangler dev` adds its local proxy in front of workerd, so compare wrangler rows",
      "with the bare wrangler rows, not with Node. Stateward logs one JSON line per review and `wrangler dev` relays",
      "each line through its own process, on the same two cores: a cost the bare route does not pay, and about half of",
      "the gap between the two on wrangler dev (on Workers the line goes to Workers Logs instead).",
      "",
      httpTable(http),
      "",
      "## Memory",
      "",
      "Resident set of the Node server process (`/proc/<pid>/status`). The long run sends the same review over and over",
      "after a warm-up; RSS that plateaus after warm-up means nothing accumulates per request.",
      "",
      memoryTable(peakUnderLoadKiB, longRun),
      "",
    );
  }
  doc.push(startup.text);
  writeFileSync(performancePath, doc.join("\n"));
  console.log("\nwrote docs/performance.md");
  if (!args.has("--no-cluster")) {
    console.log("\nThe cluster view at size (bench/cluster.ts)...");
    const cluster = clusterBenchSection(await runClusterBench(quick, withWrangler));
    console.log(cluster.join("\n"));
    writeClusterSection(cluster);
  }
  if (!quick && withHttp && withWrangler) {
    writeReadmeSummary(readmeSummary(machine, started, inProcess, http, peakUnderLoadKiB, longRun));
    console.log("refreshed the figures in README.md");
  }
  const missed = inProcess.filter((r) => !r.met);
  if (missed.length > 0) console.log(`targets missed: ${missed.map((r) => `${r.name} ${r.route}`).join("; ")}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
