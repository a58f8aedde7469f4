/**
 * Over HTTP on loopback with autocannon: sustained requests per second and latency percentiles at several
 * concurrency levels. autocannon's own latency histogram has 1 ms resolution, too coarse for loopback, so every
 * response time it reports is collected here and the percentiles are computed from the raw samples.
 */
import autocannon from "autocannon";
import { percentile } from "./stats.js";
import { memoryOf, type RunningServer } from "./servers.js";

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

export async function load(server: RunningServer, options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
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
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    p999Ms: percentile(latencies, 99.9),
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
