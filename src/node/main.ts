/** The Node.js entry: the same app behind @hono/node-server, over HTTPS when given a certificate and key. */
import { readFileSync } from "node:fs";
import { createServer, type Server as HttpsServer } from "node:https";
import { serve } from "@hono/node-server";
import { memoryClusterStore } from "../cluster/memory-store.js";
import { clusterViewOf } from "../cluster/store.js";
import { createApp } from "../http/app.js";
import { loadPolicy } from "../policy/policy.js";
import { jsonLinesLog } from "./log.js";
import { nodeUsage, readNodeOptions } from "./options.js";
import { persistentClusterStore } from "./state-file.js";
import { keepTlsFresh, readTls } from "./tls.js";

const { log: logLine, flush: flushLog } = jsonLinesLog();

async function main(): Promise<void> {
  let options: ReturnType<typeof readNodeOptions>;
  try {
    options = readNodeOptions(process.argv.slice(2), process.env);
  } catch (error) {
    console.error(`${(error as Error).message}\n${nodeUsage}`);
    process.exit(2);
  }
  const policy = loadPolicy(options.policy ? readFileSync(options.policy, "utf8") : undefined);
  if (!policy.ok) console.error(JSON.stringify({ level: "error", msg: "policy is broken", error: policy.error }));

  const persistent = options.stateFile ? persistentClusterStore(options.stateFile, { log: logLine }) : undefined;
  const store = persistent?.store ?? memoryClusterStore();
  const cluster = clusterViewOf(store);
  const app = createApp({ config: () => ({ token: options.token, policy, cluster, store }), log: logLine });

  let watch: { stop(): Promise<unknown> } | undefined;
  if (options.watch) {
    // Loaded only when watching: the Kubernetes client doubles the server's resident memory.
    const { KubeConfig } = await import("@kubernetes/client-node");
    const { watchCluster } = await import("./watch.js");
    const kc = new KubeConfig();
    if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
    else kc.loadFromDefault();
    watch = watchCluster(kc, store, { log: logLine });
    logLine({ level: "info", msg: "watching Services, StorageClasses and StatefulSets", server: kc.getCurrentCluster()?.server });
  }

  const tlsFiles = options.tlsCert && options.tlsKey ? { certFile: options.tlsCert, keyFile: options.tlsKey } : undefined;
  const tlsPair = tlsFiles && readTls(tlsFiles);
  const tls = tlsPair ? { createServer, serverOptions: tlsPair } : {};
  const server = serve({ fetch: app.fetch, hostname: options.host, port: options.port, ...tls }, (info) => {
    const scheme = tlsFiles ? "https" : "http";
    logLine({ level: "info", msg: `stateward listening on ${scheme}://${options.host}:${info.port}` });
  });
  if (tlsFiles && tlsPair) keepTlsFresh(server as HttpsServer, tlsFiles, tlsPair, logLine);

  // Kubernetes stops a pod with SIGTERM: save the cluster view before leaving so the next start has it.
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    server.close();
    await watch?.stop().catch(() => undefined);
    await persistent?.flush();
    flushLog();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

void main();
