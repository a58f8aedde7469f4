/**
 * `npm run bench:compare -- DIR`: this checkout's review against another checkout's (DIR: a worktree of an earlier
 * commit with its own node_modules, e.g. `git worktree add --detach ../base fec0025 && (cd ../base && npm ci)`), in
 * one process on the same bytes, in interleaved blocks so that the machine's drift falls on both alike. Two paths
 * per case: admitBody (what the in-process rows of `npm run bench` measure) and the whole app's fetch (body limits,
 * the shape walk, the log line). Prints the medians and new/old; a change should keep new/old within 1.10.
 */
import path from "node:path";
import { benchApp, benchConfig } from "./inprocess.js";
import { admitBody } from "../src/http/admission-routes.js";
import { type BenchCase, benchCases } from "./cases.js";
import { table } from "./stats.js";

interface Side {
  admit(text: string, mode: "validate" | "mutate"): Promise<unknown>;
  fetch(request: Request): Response | Promise<Response>;
}

function side(admit: typeof admitBody, config: ReturnType<typeof benchConfig>, app: ReturnType<typeof benchApp>["app"]): Side {
  const context = { policy: config.policy.policy, cluster: config.cluster };
  return {
    async admit(text, mode) {
      const admitted = await admit(text, mode, context);
      if (!admitted.ok) throw new Error(admitted.error);
      return JSON.stringify(admitted.answer);
    },
    fetch: (request) => app.fetch(request),
  };
}

async function loadSide(root: string): Promise<Side> {
  const routes = (await import(path.join(root, "src/http/admission-routes.ts"))) as { admitBody: typeof admitBody };
  const bench = (await import(path.join(root, "bench/inprocess.ts"))) as { benchConfig: typeof benchConfig; benchApp: typeof benchApp };
  const config = bench.benchConfig();
  return side(routes.admitBody, config, bench.benchApp(config).app);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** Medians of `old` and `current` over interleaved blocks, after a warm-up of both. */
async function interleave(old: () => Promise<unknown>, current: () => Promise<unknown>, iterations: number): Promise<[number, number]> {
  for (let i = 0; i < iterations / 3; i++) {
    await old();
    await current();
  }
  const times: [number[], number[]] = [[], []];
  for (let block = 0; block < 20; block++) {
    for (const [run, into] of [[old, times[0]], [current, times[1]]] as const) {
      for (let i = 0; i < iterations / 20; i++) {
        const started = performance.now();
        await run();
        into.push(performance.now() - started);
      }
    }
  }
  return [median(times[0]), median(times[1])];
}

const baseDir = process.argv[2];
if (!baseDir) {
  console.error("usage: npm run bench:compare -- DIR (a checkout of the commit to compare with, with its node_modules)");
  process.exit(2);
}
const old = await loadSide(path.resolve(baseDir));
const config = benchConfig();
const current = side(admitBody, config, benchApp(config).app);
const rows: string[][] = [];
const cases: BenchCase[] = benchCases().filter((c) => !c.name.startsWith("near-limit"));
for (const c of cases) {
  const mode = c.route === "/mutate" ? "mutate" : "validate";
  const bytes = Buffer.from(c.body, "utf8");
  const request = () =>
    new Request(`http://stateward.bench${c.route}`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": String(bytes.length) },
      body: bytes,
    });
  const fetched = (s: Side) => async () => {
    const response = await s.fetch(request());
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${c.name} ${c.route}: HTTP ${response.status}: ${text}`);
  };
  const iterations = bytes.length > 50_000 ? 300 : 3_000;
  const [oldAdmit, newAdmit] = await interleave(() => old.admit(c.body, mode), () => current.admit(c.body, mode), iterations);
  const [oldFetch, newFetch] = await interleave(fetched(old), fetched(current), iterations);
  const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;
  rows.push([c.name, c.route, us(oldAdmit), us(newAdmit), `${(newAdmit / oldAdmit).toFixed(2)}`, us(oldFetch), us(newFetch), `${(newFetch / oldFetch).toFixed(2)}`]);
}
console.log(table(["case", "route", "admitBody old", "new", "new/old", "app fetch old", "new", "new/old"], rows));
