/**
 * `stateward sync`: lists the kinds the cluster view holds with the pod's ServiceAccount, page by page, and sends them
 * to a Stateward service (the Worker, usually) as one paged sync: the session is opened before the first list, each
 * page of the API becomes a page of records, and the commit makes them the view in one step. Runs in Stateward's own
 * image, with no shell and no kubectl.
 */
import { readFileSync } from "node:fs";
import * as z from "zod";
import { parseFlags, UsageError } from "../command/flags.js";
import { type ClusterKind, type ClusterRecord, clusterKinds, listPath, recordOf } from "../cluster/kinds.js";
import { maxPageRecords } from "../cluster/ingest.js";
import type { SyncOutcome, SyncSession } from "../cluster/store.js";
import { mergePolicyReports, type PolicyReport, policyReportApiVersion, policyReportName } from "../audit/policy-report.js";
import { ApiError, type ApiServer, inClusterApiServer, listPaged, serviceAccountDir } from "./kube-api.js";
import { causeOf } from "./log.js";
import { type ReportsWritten, writePolicyReports } from "./policy-reports.js";

export interface SyncTarget {
  /** The service's base URL, for example https://stateward.example.workers.dev */
  url: URL;
  token: string;
}

export interface SyncRun {
  api: ApiServer;
  target: SyncTarget;
  kinds: readonly ClusterKind[];
  /** Objects asked of the API server per page (`limit`). */
  pageSize: number;
  log(line: Record<string, unknown>): void;
  /** How many times an expired continue token may restart the whole sync. */
  attempts?: number;
  /** Pause before resending a request the service failed (5xx, 429, network); doubled each time, with jitter. */
  retryMs?: number;
  /** After the commit, fetch the service's audit as PolicyReports (GET /audit) and write them into the cluster. */
  policyReports?: boolean;
}

/** A page sent to the service stays well under its 3 MiB request limit, however large the records are. */
const maxPageBytes = 1024 * 1024;

/** Runs one sync; resolves to what the commit reports, or rejects with the reason it could not finish. */
export async function syncCluster(run: SyncRun): Promise<SyncOutcome> {
  const attempts = run.attempts ?? 3;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await syncOnce(run);
    } catch (error) {
      // The continue token expired (the list took longer than the API server keeps it): the pages sent so far may
      // mix two moments, so the sync starts over with a new session; the abandoned one is never shown.
      if (!(error instanceof ApiError && error.status === 410) || attempt >= attempts) throw error;
      const wait = backoff(run, attempt);
      run.log({ level: "warn", msg: "sync: the list expired; starting again", attempt, error: error.message, retryMs: wait });
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/**
 * The pause before retry `attempt` (1, 2, ...): the base doubled per attempt, half of it fixed and a random part of the
 * other half, so that the syncs of many clusters that failed together (a restarting Worker) do not all come back at
 * the same moment.
 */
function backoff(run: SyncRun, attempt: number): number {
  return Math.round((run.retryMs ?? 1_000) * 2 ** (attempt - 1) * (0.5 + Math.random() / 2));
}

/** A call to the Kubernetes API; a failure to reach it says where and why (the API's own refusals pass as they are). */
async function fromApi<T>(run: SyncRun, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new Error(`cannot reach the Kubernetes API at ${run.api.url.origin}: ${causeOf(error)}`);
  }
}

async function syncOnce(run: SyncRun): Promise<SyncOutcome> {
  const opened = (await send(run, "/inventory/sync", { kinds: run.kinds })) as SyncSession;
  run.log({ level: "info", msg: "sync: opened", session: opened.session, kinds: opened.kinds });
  const pages = `/inventory/sync/${encodeURIComponent(opened.session)}/pages`;
  for (const kind of run.kinds) {
    let count = 0;
    let slowestPageMs = 0;
    await fromApi(run, () => listPaged(run.api, listPath(kind), run.pageSize, async (items) => {
      const records: ClusterRecord[] = [];
      for (const item of items) {
        const record = recordOf(kind, item);
        if (record) records.push(record);
      }
      for (const chunk of chunks(records)) {
        const started = performance.now();
        await send(run, pages, { kind, records: chunk });
        slowestPageMs = Math.max(slowestPageMs, performance.now() - started);
      }
      count += records.length;
    }));
    run.log({ level: "info", msg: "sync: listed", kind, count, slowestPageMs: Math.round(slowestPageMs) });
  }
  const started = performance.now();
  const committed = (await send(run, `/inventory/sync/${encodeURIComponent(opened.session)}/commit`, {})) as SyncOutcome;
  run.log({ level: "info", msg: "sync: committed", ...committed, commitMs: Math.round(performance.now() - started) });
  return committed;
}

/** Splits records into pages within `maxPageRecords` and `maxPageBytes`; an empty list is still one page. */
function* chunks(records: ClusterRecord[]): Generator<ClusterRecord[]> {
  let chunk: ClusterRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = JSON.stringify(record).length;
    if (chunk.length > 0 && (chunk.length >= maxPageRecords || bytes + size > maxPageBytes)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(record);
    bytes += size;
  }
  yield chunk;
}

const errorBody = z.looseObject({ error: z.string() });

/** A page of GET /audit?format=reports: the reports of that page's objects, and where the next page starts. */
const reportsPageSchema = z.object({
  metadata: z.looseObject({ continue: z.string().nullish() }).nullish(),
  items: z.array(
    z.looseObject({
      apiVersion: z.literal(policyReportApiVersion),
      kind: z.literal("PolicyReport"),
      metadata: z.looseObject({ name: z.literal(policyReportName), namespace: z.string().min(1) }),
      summary: z.record(z.string(), z.number()),
      results: z.array(z.looseObject({ policy: z.string(), result: z.string() })),
    }),
  ),
});

/** Objects audited per page of GET /audit: well within a Worker's CPU limit (docs/cluster-view.md measures it). */
export const auditPageSize = 1_000;

/** Reads the service's whole audit as PolicyReports, page by page, and writes them into the cluster. */
export async function applyServiceReports(run: SyncRun): Promise<ReportsWritten> {
  const pages: PolicyReport[][] = [];
  let next: string | undefined;
  do {
    const query = new URLSearchParams({ format: "reports", limit: String(auditPageSize) });
    if (next) query.set("continue", next);
    const parsed = reportsPageSchema.safeParse(await send(run, `/audit?${query}`));
    if (!parsed.success) throw new Error(`GET /audit: not a page of PolicyReports: ${parsed.error.issues[0]!.message}`);
    pages.push(parsed.data.items as unknown as PolicyReport[]);
    next = parsed.data.metadata?.continue ?? undefined;
  } while (next);
  return fromApi(run, () => writePolicyReports(run.api, mergePolicyReports(pages)));
}

/**
 * Sends JSON to the service (POST), or reads from it (GET, without a body); retries a 5xx, 429 or network failure,
 * and rejects on any other refusal. Every request is safe to send again: a page staged twice keeps its records once,
 * and a commit sent again (a proxy lost the first answer) is answered what the first was.
 */
async function send(run: SyncRun, path: string, body?: unknown): Promise<unknown> {
  const url = new URL(path.replace(/^\//, ""), run.target.url.href.endsWith("/") ? run.target.url : `${run.target.url.href}/`);
  const method = body === undefined ? "GET" : "POST";
  let waitedForRoomMs = 0;
  for (let attempt = 1; ; attempt += 1) {
    let failure: string;
    let retryAfterMs: number | undefined;
    try {
      const response = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${run.target.token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (response.ok) return JSON.parse(text);
      const parsed = errorBody.safeParse(safeJson(text));
      failure = `${method} ${url.pathname}: ${response.status}: ${parsed.success ? parsed.data.error : text.slice(0, 300)}`;
      if (response.status < 500 && response.status !== 429) throw new Error(failure);
      if (response.status === 429) retryAfterMs = retryAfterOf(response.headers.get("retry-after"));
    } catch (error) {
      if (error instanceof Error && error.message.startsWith(`${method} `)) throw error;
      failure = `${method} ${url.pathname}: cannot reach the Stateward service at ${url.origin}: ${causeOf(error)}`;
    }
    // A store full of other syncs' sessions says when the first of them expires: waiting for it (with jitter, so the
    // waiting syncs do not return together) finishes this run, where three quick retries would fail it.
    if (retryAfterMs !== undefined && waitedForRoomMs + retryAfterMs <= maxWaitForRoomMs) {
      const wait = retryAfterMs + Math.round(Math.random() * (run.retryMs ?? 1_000));
      waitedForRoomMs += wait;
      run.log({ level: "warn", msg: "sync: the service is busy; waiting as it asks", error: failure, retryMs: wait });
      await new Promise((resolve) => setTimeout(resolve, wait));
      continue;
    }
    if (attempt >= 3) throw new Error(failure);
    const wait = backoff(run, attempt);
    run.log({ level: "warn", msg: "sync: request failed; retrying", error: failure, retryMs: wait });
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/** A store's sessions expire 10 minutes after their last page: past that, waiting longer would not make room. */
const maxWaitForRoomMs = 11 * 60_000;

/** Retry-After in seconds (RFC 9110 also allows a date, which Stateward never sends); undefined when absent or bad. */
function retryAfterOf(header: string | null): number | undefined {
  if (header === null || !/^\d{1,6}$/.test(header.trim())) return undefined;
  return Number(header.trim()) * 1000;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const syncUsage = `Usage: stateward sync --url URL [options]

Lists the objects the cluster view holds (${clusterKinds.join(", ")}) with this pod's ServiceAccount,
page by page, and sends them to a Stateward service as one sync: its view changes only when the last page is in.

Options (each has an environment variable; a flag wins over it):
  --url URL                the Stateward service, e.g. https://stateward.example.workers.dev (STATEWARD_URL)
  --token-file FILE        file holding the service's WEBHOOK_TOKEN (STATEWARD_TOKEN_FILE;
                           default /var/run/secrets/stateward/token; or WEBHOOK_TOKEN itself in the environment)
  --page-size N            objects per page asked of the API server (default 500, at most ${maxPageRecords})
  --api-server URL         the Kubernetes API (default: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT)
  --service-account DIR    where the ServiceAccount's token and ca.crt are (default ${serviceAccountDir})
  --policy-reports         after the sync, write the service's audit (GET /audit) into the cluster as one
                           PolicyReport per namespace (STATEWARD_POLICY_REPORTS=true; needs the wgpolicyk8s.io CRD)
`;

const defaultTokenFile = "/var/run/secrets/stateward/token";

const optionsSchema = z.object({
  url: z.url({ error: "--url takes the service's URL, for example https://stateward.example.workers.dev" }),
  pageSize: z.coerce
    .number()
    .int()
    .min(1, { error: `--page-size takes a number from 1 to ${maxPageRecords}` })
    .max(maxPageRecords, { error: `--page-size takes a number from 1 to ${maxPageRecords}` }),
});

type Env = Readonly<Record<string, string | undefined>>;

/** The run `stateward sync` makes of its flags and environment; throws UsageError for bad usage. */
export function readSyncRun(argv: readonly string[], env: Env, log: SyncRun["log"]): SyncRun {
  const { values, positionals } = parseFlags(argv, {
    url: { type: "string" },
    "token-file": { type: "string" },
    "page-size": { type: "string" },
    "api-server": { type: "string" },
    "service-account": { type: "string" },
    "policy-reports": { type: "boolean" },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const url = values.url ?? env.STATEWARD_URL;
  if (!url) throw new UsageError("--url (or STATEWARD_URL) is required: the Stateward service to send the sync to");
  const parsed = optionsSchema.safeParse({ url, pageSize: values["page-size"] ?? "500" });
  if (!parsed.success) throw new UsageError(parsed.error.issues[0]!.message);

  const tokenFile = values["token-file"] ?? env.STATEWARD_TOKEN_FILE;
  let token = env.WEBHOOK_TOKEN;
  if (tokenFile || !token) {
    try {
      token = readFileSync(tokenFile ?? defaultTokenFile, "utf8").trim();
    } catch (error) {
      throw new UsageError(`cannot read the service's token: ${(error as Error).message} (--token-file or WEBHOOK_TOKEN)`);
    }
  }
  if (!token) throw new UsageError("the service's token is empty");

  const dir = values["service-account"] ?? serviceAccountDir;
  let api: ApiServer;
  try {
    api = values["api-server"]
      ? { url: new URL(values["api-server"]), tokenFile: `${dir}/token`, ca: readCa(`${dir}/ca.crt`) }
      : inClusterApiServer(env, dir);
  } catch (error) {
    throw new UsageError(`${(error as Error).message} (run inside a cluster, or give --api-server)`);
  }
  const reports = env.STATEWARD_POLICY_REPORTS?.trim().toLowerCase();
  if (reports && !["true", "false", "1", "0"].includes(reports)) {
    throw new UsageError(`STATEWARD_POLICY_REPORTS must be true or false, not ${JSON.stringify(env.STATEWARD_POLICY_REPORTS)}`);
  }
  const policyReports = values["policy-reports"] === true || reports === "true" || reports === "1";
  return { api, target: { url: new URL(parsed.data.url), token }, kinds: clusterKinds, pageSize: parsed.data.pageSize, log, policyReports };
}

function readCa(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/**
 * `stateward sync`: 0 when the sync committed (and, with --policy-reports, every report was written), 1 when not; one
 * JSON line per step on standard output.
 */
export async function runSync(argv: readonly string[], io: { env: Env; stdout(text: string): void }): Promise<number> {
  const log = (line: Record<string, unknown>) => io.stdout(`${JSON.stringify({ time: new Date().toISOString(), ...line })}\n`);
  const run = readSyncRun(argv, io.env, log);
  try {
    await syncCluster(run);
  } catch (error) {
    log({ level: "error", msg: "sync failed", error: error instanceof Error ? error.message : String(error) });
    return 1;
  }
  if (!run.policyReports) return 0;
  try {
    const written = await applyServiceReports(run);
    log({ level: written.failed.length > 0 ? "warn" : "info", msg: "sync: policy reports written", ...written });
    return written.failed.length > 0 ? 1 : 0;
  } catch (error) {
    log({ level: "error", msg: "sync: policy reports not written", error: error instanceof Error ? error.message : String(error) });
    return 1;
  }
}
