/**
 * In-process timing of one AdmissionReview end to end through the Hono app's fetch (parse, envelope, decode, rules,
 * defaults, serialize), against the least any webhook must do with the same bytes: JSON.parse + JSON.stringify.
 */
import { memoryClusterView } from "../src/cluster/view.js";
import { createApp } from "../src/http/app.js";
import { loadPolicy } from "../src/policy/policy.js";
import { bareApp } from "./bare-app.js";
import { type BenchCase, benchSnapshot } from "./cases.js";
import { percentile } from "./stats.js";

export interface InProcessResult {
  name: string;
  route: string;
  bytes: number;
  iterations: number;
  medianMs: number;
  p99Ms: number;
  baselineMedianMs: number;
  baselineP99Ms: number;
  /** The same body through a bare Hono route that only parses it and allows it: the cost of fetch plumbing. */
  bareMedianMs: number;
  /** Median over the baseline's median. */
  ratio: number;
  /** What the case must meet, from the issue: the p99 bound and the ratio bound (if any). */
  target: { p99Ms: number; ratio?: number };
  met: boolean;
}

export function benchApp() {
  const policy = loadPolicy(undefined);
  const cluster = memoryClusterView(benchSnapshot);
  // The server logs one JSON line per review; serialize it as the real logger would, into nothing.
  let sink = 0;
  const app = createApp({
    config: () => ({ token: undefined, policy, cluster }),
    log: (line) => {
      sink += JSON.stringify(line).length;
    },
  });
  return { app, sink: () => sink };
}

function time(fn: () => unknown, iterations: number): number[] {
  const samples = new Array<number>(iterations);
  for (let i = 0; i < iterations; i++) {
    const started = performance.now();
    fn();
    samples[i] = performance.now() - started;
  }
  return samples;
}

async function timeAsync(fn: () => Promise<unknown>, iterations: number): Promise<number[]> {
  const samples = new Array<number>(iterations);
  for (let i = 0; i < iterations; i++) {
    const started = performance.now();
    await fn();
    samples[i] = performance.now() - started;
  }
  return samples;
}

/** Iterations that take about `budgetMs` for a body of this size, within sane bounds. */
function iterationsFor(bytes: number, quick: boolean): number {
  const perIterationMs = Math.max(0.05, bytes / 150_000);
  const budgetMs = quick ? 1_000 : 5_000;
  return Math.max(quick ? 50 : 200, Math.min(quick ? 2_000 : 10_000, Math.round(budgetMs / perIterationMs)));
}

export async function runInProcess(cases: BenchCase[], quick: boolean): Promise<InProcessResult[]> {
  const { app } = benchApp();
  const bare = bareApp();
  const results: InProcessResult[] = [];
  for (const c of cases) {
    const bytes = Buffer.byteLength(c.body);
    const iterations = iterationsFor(bytes, quick);
    const through = (target: { fetch(request: Request): Response | Promise<Response> }) => async () => {
      const response = await target.fetch(
        new Request(`http://stateward.bench${c.route}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: c.body,
        }),
      );
      const text = await response.text();
      if (response.status !== 200) throw new Error(`${c.name} ${c.route}: HTTP ${response.status}: ${text}`);
      return text;
    };
    const handle = through(app);
    const handleBare = through(bare);
    const baseline = () => JSON.stringify(JSON.parse(c.body));
    // Warm both paths so the JIT has compiled them before the clock runs.
    await timeAsync(handle, Math.ceil(iterations / 5));
    time(baseline, Math.ceil(iterations / 5));
    await timeAsync(handleBare, Math.ceil(iterations / 5));
    // Interleave in rounds so a noisy neighbour hits both measurements alike.
    const app_: number[] = [];
    const base: number[] = [];
    const plumbing: number[] = [];
    const rounds = 5;
    for (let r = 0; r < rounds; r++) {
      base.push(...time(baseline, Math.ceil(iterations / rounds)));
      app_.push(...(await timeAsync(handle, Math.ceil(iterations / rounds))));
      plumbing.push(...(await timeAsync(handleBare, Math.ceil(iterations / rounds))));
    }
    const medianMs = percentile(app_, 50);
    const p99Ms = percentile(app_, 99);
    const baselineMedianMs = percentile(base, 50);
    const nearLimit = bytes > 1024 * 1024;
    const target = nearLimit ? { p99Ms: 10 } : { p99Ms: 1, ratio: 3 };
    const ratio = medianMs / baselineMedianMs;
    results.push({
      name: c.name,
      route: c.route,
      bytes,
      iterations: app_.length,
      medianMs,
      p99Ms,
      baselineMedianMs,
      baselineP99Ms: percentile(base, 99),
      bareMedianMs: percentile(plumbing, 50),
      ratio,
      target,
      met: p99Ms < target.p99Ms && (target.ratio === undefined || ratio <= target.ratio),
    });
  }
  return results;
}
