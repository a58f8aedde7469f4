/**
 * Over HTTP on loopback with autocannon: sustained requests per second and latency percentiles at several
 * concurrency levels. autocannon's own latency histogram has 1 ms resolution, too coarse for loopback, so every
 * response time it reports is collected here and the percentiles are computed from the raw samples.
 */
import autocannon from "autocannon";
import { percentile } from "./stats.js";
import type { RunningServer } from "../scripts/servers.js";
import { memoryOf } from "./servers.js";

export interface LoadResult {
  server: string;
  route: string;
  connections: number;
  requests: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  /** Connection errors, timeouts and non-2xx answers together. */
  failures: number;
}

export interface LoadOptions {
  route: string;
  body: string;
  connections: number;
  durationSeconds?: number;
  amount?: number;
}

/** One autocannon run; `latencies` collects every response time, so runs can be pooled. */
export async function load(server: RunningServer, options: LoadOptions, latencies: number[] = []): Promise<LoadResult> {
  const before = latencies.length;
  const instance = autocannon({
    url: `${server.url}${options.route}`,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: options.body,
    connections: options.connections,
    timeout: 10,
    ...(options.amount ? { amount: options.amount } : { duration: options.durationSeconds ?? 5 }),
  });
  instance.on("response", (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
    latencies.push(responseTime);
  });
  const result = await instance;
  return {
    server: server.name,
    route: options.route,
    connections: options.connections,
    requests: result.requests.total,
    reqPerSec: result.requests.total / result.duration,
    p50Ms: percentile(latencies.slice(before), 50),
    p99Ms: percentile(latencies.slice(before), 99),
    p999Ms: percentile(latencies.slice(before), 99.9),
    failures: result.errors + result.timeouts + result.non2xx,
  };
}

export interface MemoryRun {
  requests: number;
  connections: number;
  /** RSS once the server has handled the warm-up share of the run. */
  afterWarmupKiB: number;
  atEndKiB: number;
  peakKiB: number;
  /** RSS sampled along the run, for the growth check. */
  samplesKiB: number[];
  failures: number;
  /** End minus warm-up, relative to warm-up. */
  growth: number;
}

/**
 * A long run against one server process: warm-up, then `requests` more in slices, sampling RSS after each slice.
 * A leak shows as RSS that keeps rising slice after slice; a healthy server plateaus after warm-up.
 */
export async function memoryRun(server: RunningServer, body: string, route: string, requests: number, connections: number): Promise<MemoryRun> {
  const warmup = Math.max(5_000, Math.round(requests / 10));
  let failures = (await load(server, { route, body, connections, amount: warmup })).failures;
  const afterWarmupKiB = memoryOf(server.pid).rssKiB;
  const slices = 10;
  const samplesKiB: number[] = [afterWarmupKiB];
  for (let i = 0; i < slices; i++) {
    failures += (await load(server, { route, body, connections, amount: Math.round(requests / slices) })).failures;
    samplesKiB.push(memoryOf(server.pid).rssKiB);
  }
  const { rssKiB, hwmKiB } = memoryOf(server.pid);
  return {
    requests: warmup + requests,
    connections,
    afterWarmupKiB,
    atEndKiB: rssKiB,
    peakKiB: hwmKiB,
    samplesKiB,
    failures,
    growth: (rssKiB - afterWarmupKiB) / afterWarmupKiB,
  };
}

/** One line of an interleaved comparison: a route of a server, and the line whose requests per second it is held to. */
export interface Contender {
  server: RunningServer;
  /** Shown instead of the server's name, for two processes of one server started differently. */
  label?: string;
  route: string;
  body: string;
  /** Index of the reference contender in the same list (a bare route), if any. */
  reference?: number;
}

export interface ComparedResult extends LoadResult {
  rounds: number;
  /** Median over the rounds of this round's requests per second over the reference's in the same round. */
  ratio?: number;
}

/**
 * Every contender in turn, `rounds` times, each for `secondsPerRound`: this machine's speed drifts with what else runs
 * on it, so two servers measured a minute apart are not comparable, while two measured in the same round are.
 * Requests per second are the median of the rounds; latency percentiles pool every response of every round.
 */
export async function interleaved(
  contenders: Contender[],
  connections: number,
  rounds: number,
  secondsPerRound: number,
): Promise<ComparedResult[]> {
  const perRound: LoadResult[][] = contenders.map(() => []);
  const latencies: number[][] = contenders.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, c] of contenders.entries()) {
      const result = await load(c.server, { route: c.route, body: c.body, connections, durationSeconds: secondsPerRound }, latencies[i]);
      perRound[i]!.push(result);
    }
  }
  const median = (values: number[]) => percentile(values, 50);
  return contenders.map((c, i) => {
    const results = perRound[i]!;
    const reference = c.reference === undefined ? undefined : perRound[c.reference];
    return {
      server: c.label ?? c.server.name,
      route: c.route,
      connections,
      rounds,
      requests: results.reduce((sum, r) => sum + r.requests, 0),
      reqPerSec: median(results.map((r) => r.reqPerSec)),
      p50Ms: percentile(latencies[i]!, 50),
      p99Ms: percentile(latencies[i]!, 99),
      p999Ms: percentile(latencies[i]!, 99.9),
      failures: results.reduce((sum, r) => sum + r.failures, 0),
      ...(reference ? { ratio: median(results.map((r, round) => r.reqPerSec / reference[round]!.reqPerSec)) } : {}),
    };
  });
}
