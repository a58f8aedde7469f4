/** The Node.js server (`stateward serve`): the same app behind @hono/node-server, over HTTPS when given a certificate and key. */
import { readFileSync } from "node:fs";
import type { Server as HttpServer } from "node:http";
import { createServer, type Server as HttpsServer } from "node:https";
import { createAdaptorServer } from "@hono/node-server";
import { memoryClusterStore } from "../cluster/memory-store.js";
import { clusterViewOf } from "../cluster/store.js";
import { createApp } from "../http/app.js";
import { writesNeedTokenMessage } from "../http/auth.js";
import { UsageError } from "../command/flags.js";
import { loadPolicy } from "../policy/policy.js";
import { causeOf, jsonLinesLog } from "./log.js";
import { prometheusMetrics } from "./metrics.js";
import { closeTimeoutSeconds, connectionLimits, readNodeOptions } from "./options.js";
import { scheduleAudit } from "./audit-schedule.js";
import { type ApiServer, inClusterApiServer } from "./kube-api.js";
import { persistentClusterStore } from "./state-file.js";
import { type ClusterWatch, watchCluster } from "./watch.js";
import { certificateCheck, checkTls, keepTlsFresh, readTls, type TlsPair } from "./tls.js";

const { log: logLine, flush: flushLog } = jsonLinesLog();

/** A start-up failure: printed as one line with its cause, and the command exits 1. */
class CannotStart extends Error {}

/**
 * `stateward serve`: starts the server and resolves once it listens; it then runs until SIGTERM or SIGINT. Bad flags
 * or environment throw UsageError (the command line prints it with a pointer to --help); a start-up failure (a file
 * that cannot be read, a certificate that does not fit its key, an address in use) prints one line saying what and
 * why, and returns 1.
 */
export async function runServer(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const options = readNodeOptions(argv, env);
  try {
    return await startServer(options, env);
  } catch (error) {
    if (!(error instanceof CannotStart)) throw error;
    process.stderr.write(`stateward serve: ${error.message}\n`);
    flushLog();
    return 1;
  }
}

async function startServer(options: ReturnType<typeof readNodeOptions>, env: NodeJS.ProcessEnv): Promise<number> {
  let policyText: string | undefined;
  try {
    policyText = options.policy ? readFileSync(options.policy, "utf8") : undefined;
  } catch (error) {
    throw new CannotStart(`cannot read policy ${options.policy}: ${causeOf(error)}`);
  }
  const tlsFiles = options.tlsCert && options.tlsKey ? { certFile: options.tlsCert, keyFile: options.tlsKey } : undefined;
  let tlsPair: TlsPair | undefined;
  if (tlsFiles) {
    try {
      tlsPair = readTls(tlsFiles);
    } catch (error) {
      throw new CannotStart(`cannot read the certificate or key (--tls-cert ${tlsFiles.certFile}, --tls-key ${tlsFiles.keyFile}): ${causeOf(error)}`);
    }
    const problem = checkTls(tlsPair);
    if (problem) throw new CannotStart(`--tls-cert ${tlsFiles.certFile} and --tls-key ${tlsFiles.keyFile} cannot serve TLS: ${problem}`);
  }

  const policy = loadPolicy(policyText);
  if (!policy.ok) console.error(JSON.stringify({ level: "error", msg: "policy is broken", error: policy.error }));

  // Copies nobody can read (no GET /audit without a token, no scheduled audit) are not kept at all.
  const auditCopyBudgetBytes = options.token || options.auditIntervalMs ? options.auditMemoryMiB * 1024 * 1024 : 0;
  const persistent = options.stateFile ? persistentClusterStore(options.stateFile, { log: logLine, auditCopyBudgetBytes }) : undefined;
  const store = persistent?.store ?? memoryClusterStore({ auditCopyBudgetBytes });
  const cluster = clusterViewOf(store);
  // Set once the server listens and on SIGTERM; /readyz reads them on every probe.
  let certificate: () => TlsPair | undefined = () => undefined;
  let shuttingDown = false;
  // A server that watches the cluster needs no /observe, so it does not serve one.
  const metrics = prometheusMetrics(store);
  const app = createApp({
    config: () => ({ token: options.token, policy, cluster, store, telemetry: metrics.telemetry, reviewLog: options.log }),
    log: logLine,
    metrics: metrics.scrape,
    observe: !options.watch,
    readiness: () => [
      certificateCheck(certificate()),
      shuttingDown
        ? { name: "shutdown", ready: false, detail: "shutting down: still answering reviews while the Service stops routing here" }
        : { name: "shutdown", ready: true, detail: "not requested" },
      ...(watch ? [watch.readiness()] : []),
    ],
  });
  if (!options.token) logLine({ level: "warn", msg: writesNeedTokenMessage });

  let watch: ClusterWatch | undefined;
  let audit: { stop(): Promise<unknown> } | undefined;
  let api: ApiServer | undefined;
  if (options.watch || options.auditIntervalMs !== undefined) {
    try {
      api = options.apiServer ? { url: new URL(options.apiServer) } : inClusterApiServer(env);
    } catch (error) {
      const task = options.watch ? "watch the cluster" : "write PolicyReports (--audit-interval)";
      throw new UsageError(`cannot ${task}: ${(error as Error).message} (run in a pod, or give --api-server)`);
    }
  }

  const server = createAdaptorServer({
    fetch: app.fetch,
    hostname: options.host,
    ...(tlsPair ? { createServer } : {}),
    serverOptions: { ...tlsPair, ...connectionLimits.serverOptions },
  }) as HttpServer;
  server.maxConnections = connectionLimits.maxConnections;
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve((server.address() as { port: number }).port);
    });
  }).catch((error: unknown) => {
    throw new CannotStart(`cannot listen on ${options.host}:${options.port}: ${causeOf(error)}`);
  });
  logLine({ level: "info", msg: `stateward listening on ${tlsFiles ? "https" : "http"}://${options.host}:${port}` });
  const tlsReload = tlsFiles && tlsPair ? keepTlsFresh(server as unknown as HttpsServer, tlsFiles, tlsPair, logLine) : undefined;
  if (tlsReload) certificate = tlsReload.current;

  if (api) {
    if (options.watch) {
      watch = watchCluster(api, store, { log: logLine });
      logLine({ level: "info", msg: "watching the cluster view's kinds", server: api.url.origin });
    }
    if (options.auditIntervalMs !== undefined) {
      audit = scheduleAudit({ api, store, policy, intervalMs: options.auditIntervalMs, log: logLine });
      logLine({ level: "info", msg: "auditing the cluster view on a schedule", intervalSeconds: options.auditIntervalMs / 1000 });
    }
  }


  // Kubernetes stops a pod with SIGTERM while the API server may still route reviews to it, and validation fails
  // closed: so first turn unready and keep answering for the drain period, then stop taking connections, let the
  // reviews in flight finish, and save the cluster view so the next start has it. SIGINT (a person) stops at once.
  let exiting = false;
  const exit = async () => {
    if (exiting) return;
    exiting = true;
    await closeServer(server, closeTimeoutSeconds * 1000);
    await audit?.stop().catch(() => undefined);
    await watch?.stop().catch(() => undefined);
    await persistent?.flush();
    logLine({ level: "info", msg: "stateward stopped" });
    flushLog();
    process.exit(0);
  };
  process.on("SIGTERM", () => {
    if (shuttingDown) return;
    shuttingDown = true;
    logLine({ level: "info", msg: "SIGTERM: not ready; answering reviews until the drain period ends", drainSeconds: options.drainSeconds });
    setTimeout(exit, options.drainSeconds * 1000);
  });
  process.on("SIGINT", exit);
  // SIGHUP asks a daemon to reload; Node's default for it is to die at once, with no drain, no saved view and no line.
  // The certificate is what this server reloads; without one there is nothing to do but say so.
  process.on("SIGHUP", () => {
    if (tlsReload) tlsReload.recheck("SIGHUP");
    else logLine({ level: "info", msg: "SIGHUP: nothing to reload (no certificate); still serving" });
  });
  return 0;
}

/**
 * Stops accepting connections, closes the idle keep-alive ones at once and the others as their requests finish;
 * resolves when all are gone, or cuts what is left after `timeoutMs`.
 */
function closeServer(server: HttpServer, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const deadline = setTimeout(() => server.closeAllConnections(), timeoutMs);
    server.close(() => {
      clearTimeout(deadline);
      resolve();
    });
    server.closeIdleConnections();
  });
}
