/** Command-line flags and environment of the Node server, validated with zod. */
import { parseArgs } from "node:util";
import { z } from "zod";

export const nodeOptionsSchema = z.object({
  host: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65_535),
  tlsCert: z.string().optional(),
  tlsKey: z.string().optional(),
  policy: z.string().optional(),
  token: z.string().optional(),
  /** Where the cluster view is kept across restarts; unset keeps it in memory only. */
  stateFile: z.string().optional(),
  /** List and watch the cluster with the ServiceAccount (in-cluster) or the kubeconfig. */
  watch: z.boolean(),
});
export type NodeOptions = z.infer<typeof nodeOptionsSchema>;

export const nodeUsage = `Usage: stateward serve [--host H] [--port N] [--tls-cert FILE --tls-key FILE] [--policy FILE]
                       [--state-file FILE] [--watch]
Environment: HOST, PORT, TLS_CERT_FILE, TLS_KEY_FILE, STATEWARD_POLICY_FILE, WEBHOOK_TOKEN, STATEWARD_STATE_FILE,
STATEWARD_WATCH=true|false (flags win). Inside a cluster (KUBERNETES_SERVICE_HOST set) watching is on by default.`;

function watchSetting(flag: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  if (flag) return true;
  const value = env.STATEWARD_WATCH?.trim().toLowerCase();
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  if (value) throw new Error(`STATEWARD_WATCH must be true or false, not ${JSON.stringify(env.STATEWARD_WATCH)}`);
  return Boolean(env.KUBERNETES_SERVICE_HOST);
}

export function readNodeOptions(argv: string[], env: NodeJS.ProcessEnv): NodeOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: "string" },
      port: { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      policy: { type: "string" },
      "state-file": { type: "string" },
      watch: { type: "boolean" },
    },
    strict: true,
  });
  const options = nodeOptionsSchema.parse({
    host: values.host ?? env.HOST ?? "0.0.0.0",
    port: values.port ?? env.PORT ?? (values["tls-cert"] ?? env.TLS_CERT_FILE ? 8443 : 8080),
    tlsCert: values["tls-cert"] ?? env.TLS_CERT_FILE,
    tlsKey: values["tls-key"] ?? env.TLS_KEY_FILE,
    policy: values.policy ?? env.STATEWARD_POLICY_FILE,
    token: env.WEBHOOK_TOKEN || undefined,
    stateFile: values["state-file"] ?? (env.STATEWARD_STATE_FILE || undefined),
    watch: watchSetting(values.watch, env),
  });
  if (Boolean(options.tlsCert) !== Boolean(options.tlsKey)) {
    throw new Error("--tls-cert and --tls-key go together");
  }
  return options;
}
