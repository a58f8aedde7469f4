/**
 * In-process timing of one AdmissionReview end to end, from the request's bytes as a server receives them (decode,
 * parse, limits, envelope, decode the object, rules or defaults, serialize the answer), against a minimal webhook
 * handed the same bytes: decode, `JSON.parse`, answer a small allow with the request's uid. The same call through the
 * Hono app's fetch, and through a bare Hono route, show what the runtime's Request and Response add on top.
 */
import { memoryClusterView } from "../src/cluster/view.js";
import { admitBody } from "../src/http/admission-routes.js";
import { createApp } from "../src/http/app.js";
import { loadPolicy } from "../src/policy/policy.js";
import { bareApp } from "./bare-app.js";
import { webCluster } from "../test/fixtures/web-cluster.js";
import type { BenchCase } from "./cases.js";
import { percentile } from "./stats.js";

export interface InProcessResult {
  name: string;
  route: string;
  bytes: number;
  iterations: number;
  /** The handler: body bytes in, response text out (decode + admitBody + JSON.stringify), what the targets apply to. */
  medianMs: number;
  p99Ms: number;
  /** The minimal webhook: decode the bytes, JSON.parse, answer an allow with the uid. */
  baselineMedianMs: number;
  baselineP99Ms: number;
  /** Median over the minimal webhook's median. */
  ratio: number;
  /** The previous baseline, JSON.parse + JSON.stringify of the whole body (also from its bytes). */
  roundTripMedianMs: number;
  /** The same call through the Hono app's fetch: Request, body stream, routing, log line, Response. */
  fetchMedianMs: number;
  fetchP99Ms: number;
  /** The same body through a bare Hono route that only parses it and allows it: the runtime's plumbing alone. */
  bareMedianMs: number;
  /** What the case must meet: the p99 bound and the ratio bound (if any), and the issue that set them. */
  target: { p99Ms: number; ratio?: number; issue: number };
  met: boolean;
}

export function benchConfig() {
  const policy = loadPolicy(undefined);
  if (!policy.ok) throw new Error(policy.error);
  return { token: undefined, policy, cluster: memoryClusterView(webCluster) };
}

export function benchApp(config = benchConfig()) {
  // The server logs one JSON line per review; serialize it as the real logger would, into nothing.
  let sink = 0;
  const app = createApp({
    config: () => config,
    log: (line) => {
      sink += JSON.stringify(line).length;
    },
  });
  return { app, sink: () => sink };
}

/**
 * The least a correct webhook does with a request's bytes: decode them, parse the review, and answer an allow that
 * echoes the uid (what controller-runtime's `Allowed("")` sends). The issue's "minimal webhook" baseline.
 */
export function minimalWebhook(bytes: Buffer): string {
  const review = JSON.parse(bytes.toString("utf8")) as { apiVersion?: string; request?: { uid?: string } };
  return JSON.stringify({ apiVersion: review.apiVersion, kind: "AdmissionReview", response: { uid: review.request?.uid, allowed: true } });
}

/** The bench's earlier baseline: parse and re-serialize the whole body, which no webhook does. */
const roundTrip = (bytes: Buffer) => JSON.stringify(JSON.parse(bytes.toString("utf8")));

async function timeBlock(samples: number[], fn: () => unknown, iterations: number): Promise<void> {
  for (let i = 0; i < iterations; i++) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
}

/** Iterations that take about `budgetMs` for a body of this size, within sane bounds. */
function iterationsFor(bytes: number, quick: boolean): number {
  const perIterationMs = Math.max(0.05, bytes / 150_000);
  const budgetMs = quick ? 1_000 : 5_000;
  return Math.max(quick ? 50 : 200, Math.min(quick ? 2_000 : 10_000, Math.round(budgetMs / perIterationMs)));
}

/** Issue 18 for the everyday objects, issue 9 for the large one, the Workers free-plan CPU limit near the size limit. */
function targetFor(c: BenchCase, bytes: number): InProcessResult["target"] {
  if (bytes > 1024 * 1024) return { p99Ms: 10, issue: 9 };
  if (c.everyday) return { p99Ms: 1, ratio: 1.8, issue: 18 };
  return { p99Ms: 1, ratio: 3, issue: 9 };
}

export async function runInProcess(cases: BenchCase[], quick: boolean): Promise<InProcessResult[]> {
  const config = benchConfig();
  const context = { policy: config.policy.policy, cluster: config.cluster };
  const { app } = benchApp(config);
  const bare = bareApp();
  const results: InProcessResult[] = [];
  for (const c of cases) {
    // The bytes as they come off the socket: every path decodes them itself, so decoding a large body counts.
    const received = Buffer.from(c.body, "utf8");
    const bytes = received.length;
    const iterations = iterationsFor(bytes, quick);
    const mode = c.route === "/mutate" ? "mutate" : "validate";
    const handle = async () => {
      const admitted = await admitBody(received.toString("utf8"), mode, context);
      if (!admitted.ok) throw new Error(`${c.name} ${c.route}: ${admitted.error}`);
      return JSON.stringify(admitted.answer);
    };
    const through = (target: { fetch(request: Request): Response | Promise<Response> }) => async () => {
      const response = await target.fetch(
        new Request(`http://stateward.bench${c.route}`, {
          method: "POST",
          // An API server sends Content-Length; without it the size limit has to stream the body (bench/ measured
          // that path at several times the cost of the review itself), which no admission call takes.
          headers: { "content-type": "application/json", "content-length": String(received.length) },
          body: received,
        }),
      );
      const text = await response.text();
      if (response.status !== 200) throw new Error(`${c.name} ${c.route}: HTTP ${response.status}: ${text}`);
      return text;
    };
    const handleFetch = through(app);
    const handleBare = through(bare);
    const minimal = () => minimalWebhook(received);
    const old = () => roundTrip(received);
    // Warm every path so the JIT has compiled them before the clock runs.
    for (let i = 0; i < Math.ceil(iterations / 5); i++) {
      minimal();
      old();
      await handle();
      await handleFetch();
      await handleBare();
    }
    // Interleaved in blocks: this machine's speed drifts (a shared VM), so the paths take turns for their ratios to
    // compare like with like. (Forcing a collection before each block made every path slower and noisier.)
    const handler: number[] = [];
    const base: number[] = [];
    const trip: number[] = [];
    const fetched: number[] = [];
    const plumbing: number[] = [];
    const blocks = 10;
    const perBlock = Math.max(1, Math.ceil(iterations / blocks));
    for (let b = 0; b < blocks; b++) {
      await timeBlock(base, minimal, perBlock);
      await timeBlock(handler, handle, perBlock);
      await timeBlock(trip, old, perBlock);
      await timeBlock(fetched, handleFetch, perBlock);
      await timeBlock(plumbing, handleBare, perBlock);
    }
    const medianMs = percentile(handler, 50);
    const p99Ms = percentile(handler, 99);
    const baselineMedianMs = percentile(base, 50);
    const target = targetFor(c, bytes);
    const ratio = medianMs / baselineMedianMs;
    results.push({
      name: c.name,
      route: c.route,
      bytes,
      iterations: handler.length,
      medianMs,
      p99Ms,
      baselineMedianMs,
      baselineP99Ms: percentile(base, 99),
      ratio,
      roundTripMedianMs: percentile(trip, 50),
      fetchMedianMs: percentile(fetched, 50),
      fetchP99Ms: percentile(fetched, 99),
      bareMedianMs: percentile(plumbing, 50),
      target,
      met: p99Ms < target.p99Ms && (target.ratio === undefined || ratio <= target.ratio),
    });
  }
  return results;
}
