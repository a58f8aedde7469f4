/** Command-line flags and environment of the Node server, validated with zod. */
import * as z from "zod";
import { parseFlags, UsageError } from "../command/flags.js";
import { defaultReviewLog, reviewLogSettings } from "../http/review-log.js";

const portError = "--port takes a port number from 0 to 65535";

const auditMemoryError = "--audit-memory takes a whole number of MiB from 0 to 65536";

export const nodeOptionsSchema = z.object({
  host: z.string().min(1, { error: "--host takes an address, for example 0.0.0.0" }),
  port: z.coerce
    .number({ error: portError })
    .int({ error: portError })
    .min(0, { error: portError })
    .max(65_535, { error: portError }),
  tlsCert: z.string().optional(),
  tlsKey: z.string().optional(),
  policy: z.string().optional(),
  token: z.string().optional(),
  /** Where the cluster view is kept across restarts; unset keeps it in memory only. */
  stateFile: z.string().optional(),
  /** List and watch the cluster with the pod's ServiceAccount, or through `apiServer`. */
  watch: z.boolean(),
  /** The Kubernetes API to watch from outside a pod, for example `kubectl proxy`'s http://127.0.0.1:8001. */
  apiServer: z.url({ error: "--api-server takes a URL, for example http://127.0.0.1:8001 (kubectl proxy)" }).optional(),
  /** After SIGTERM, how long reviews are still answered while the API server stops routing to this pod. */
  drainSeconds: z.coerce
    .number({ error: "--drain-seconds takes a number of seconds from 0 to 300" })
    .min(0, { error: "--drain-seconds takes a number of seconds from 0 to 300" })
    .max(300, { error: "--drain-seconds takes a number of seconds from 0 to 300" }),
  /** How often the cluster view is audited and its PolicyReports written into the cluster; undefined: never. */
  auditIntervalMs: z.number().optional(),
  /** Which reviews get a log line: every one, those that deny or warn, or none. */
  log: z.enum(reviewLogSettings, { error: `--log takes ${reviewLogSettings.join(", ")} (STATEWARD_LOG)` }),
  /** The most memory the cluster view gives the audit's copies of StatefulSets and claims, in MiB. */
  auditMemoryMiB: z.coerce
    .number({ error: auditMemoryError })
    .int({ error: auditMemoryError })
    .min(0, { error: auditMemoryError })
    .max(65_536, { error: auditMemoryError }),
});
export type NodeOptions = z.infer<typeof nodeOptionsSchema>;

/** About 30,000 StatefulSets and claims at the ~2 KiB a copy measures (docs/cluster-view.md), within the overlay's heap. */
export const defaultAuditMemoryMiB = 64;

/**
 * A little longer than a terminating pod takes to leave the Service's endpoints everywhere (EndpointSlice update,
 * kube-proxy or the API server's own resolver): reviews routed to it meanwhile still get answers.
 */
export const defaultDrainSeconds = 15;

/** After the drain, how long reviews still in flight may take before their connections are cut. */
export const closeTimeoutSeconds = 10;

/**
 * What one connection may take, for a server whose callers are API servers. An API server waits at most 30 s for a
 * webhook (`timeoutSeconds` is at most 30), so a request still arriving after that has no one waiting for its answer:
 * Node's defaults (300 s for a request, 60 s for its headers, checked every 30 s) let a slow or stalled client hold a
 * connection for minutes. The connection cap is far above what API servers open (each sends at most its
 * --max-mutating-requests-inflight, 200 by default, of which only some reach a webhook) and keeps a flood of idle
 * connections from using up memory and file descriptors; past it new connections are closed at once.
 */
export const connectionLimits = {
  serverOptions: {
    requestTimeout: 30_000,
    headersTimeout: 10_000,
    /** How often Node looks for connections past those timeouts; its default, 30 s, would double them. */
    connectionsCheckingInterval: 1_000,
  },
  maxConnections: 512,
} as const;

export const nodeUsage = `Usage: stateward serve [options]

Serves the admission webhook (/validate, /mutate; /livez, /readyz, /healthz) on Node.js, over HTTPS when given a certificate.

Options (each has an environment variable; a flag wins over it):
  --host ADDRESS           address to listen on (HOST; default 0.0.0.0)
  --port N                 port (PORT; default 8443 with a certificate, 8080 without)
  --tls-cert FILE          PEM certificate chain (TLS_CERT_FILE); re-read every minute and on SIGHUP
  --tls-key FILE           PEM private key (TLS_KEY_FILE); goes with --tls-cert
  --policy FILE            the policy document, YAML or JSON (STATEWARD_POLICY_FILE; default: built-in defaults)
  --state-file FILE        keep the cluster view across restarts (STATEWARD_STATE_FILE)
  --watch                  list and watch the cluster (STATEWARD_WATCH=true|false; on by default inside a cluster)
  --api-server URL         watch this API instead of the pod's own (STATEWARD_API_SERVER), e.g. through
                           \`kubectl proxy\` at http://127.0.0.1:8001
  --drain-seconds N        on SIGTERM, /readyz fails at once and reviews are still answered for N seconds before
                           the server closes (STATEWARD_DRAIN_SECONDS; default ${defaultDrainSeconds})
  --audit-interval D       audit the cluster view every D (e.g. 10m, 1h; STATEWARD_AUDIT_INTERVAL; default off) and
                           write a PolicyReport per namespace (wgpolicyk8s.io/v1alpha2) into the cluster
  --log all|findings|off   which reviews get a JSON line on stdout: every one, those that deny or warn, or none
                           (STATEWARD_LOG; default ${defaultReviewLog}); errors and the server's own lines always do
  --audit-memory MIB       memory for the audit's copies of StatefulSets and claims (STATEWARD_AUDIT_MEMORY;
                           default ${defaultAuditMemoryMiB}); objects past it are reported as not audited. Copies are
                           kept only when they can be read: with WEBHOOK_TOKEN (GET /audit) or --audit-interval
Environment only:
  WEBHOOK_TOKEN            the token the API server presents (bearer or /t/<token>/...)
`;

function watchSetting(flag: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  if (flag) return true;
  const value = env.STATEWARD_WATCH?.trim().toLowerCase();
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  if (value) throw new UsageError(`STATEWARD_WATCH must be true or false, not ${JSON.stringify(env.STATEWARD_WATCH)}`);
  return Boolean(env.KUBERNETES_SERVICE_HOST);
}

const durationUnits: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000 };
const auditIntervalError = "--audit-interval takes a duration from 10s to 24h such as 10m or 1h, or off";

/** `10m`, `90s`, `1h` (or `off`, `0`: undefined) as milliseconds, within 10 seconds and a day. */
export function parseAuditInterval(text: string | undefined): number | undefined {
  const value = text?.trim().toLowerCase();
  if (!value || value === "off" || value === "0") return undefined;
  const match = /^(\d+)(s|m|h)$/.exec(value);
  const ms = match ? Number(match[1]) * durationUnits[match[2]!]! : Number.NaN;
  if (!(ms >= 10_000 && ms <= 86_400_000)) throw new UsageError(`${auditIntervalError}, not ${JSON.stringify(text)}`);
  return ms;
}

export function readNodeOptions(argv: readonly string[], env: NodeJS.ProcessEnv): NodeOptions {
  const { values, positionals } = parseFlags(argv, {
    host: { type: "string" },
    port: { type: "string" },
    "tls-cert": { type: "string" },
    "tls-key": { type: "string" },
    policy: { type: "string" },
    "state-file": { type: "string" },
    watch: { type: "boolean" },
    "api-server": { type: "string" },
    "drain-seconds": { type: "string" },
    "audit-interval": { type: "string" },
    log: { type: "string" },
    "audit-memory": { type: "string" },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const parsed = nodeOptionsSchema.safeParse({
    host: values.host ?? env.HOST ?? "0.0.0.0",
    port: values.port ?? env.PORT ?? (values["tls-cert"] ?? env.TLS_CERT_FILE ? 8443 : 8080),
    tlsCert: values["tls-cert"] ?? env.TLS_CERT_FILE,
    tlsKey: values["tls-key"] ?? env.TLS_KEY_FILE,
    policy: values.policy ?? env.STATEWARD_POLICY_FILE,
    token: env.WEBHOOK_TOKEN || undefined,
    stateFile: values["state-file"] ?? (env.STATEWARD_STATE_FILE || undefined),
    watch: watchSetting(values.watch, env),
    apiServer: values["api-server"] ?? (env.STATEWARD_API_SERVER || undefined),
    drainSeconds: values["drain-seconds"] ?? (env.STATEWARD_DRAIN_SECONDS || defaultDrainSeconds),
    auditIntervalMs: parseAuditInterval(values["audit-interval"] ?? env.STATEWARD_AUDIT_INTERVAL),
    log: (values.log ?? (env.STATEWARD_LOG || defaultReviewLog)).trim().toLowerCase(),
    auditMemoryMiB: values["audit-memory"] ?? (env.STATEWARD_AUDIT_MEMORY || defaultAuditMemoryMiB),
  });
  if (!parsed.success) {
    throw new UsageError(parsed.error.issues.map((i) => i.message).join("; "));
  }
  const options = parsed.data;
  if (Boolean(options.tlsCert) !== Boolean(options.tlsKey)) {
    throw new UsageError("--tls-cert and --tls-key go together");
  }
  return options;
}
