/** Command-line arguments: node:util's parseArgs splits them, zod judges the values. */
import { parseArgs } from "node:util";
import { z } from "zod";
import { isDns1123Label } from "../k8s/names.js";

export class UsageError extends Error {
  override name = "UsageError";
}

const onOff = z
  .enum(["on", "off", "true", "false"], { error: "--cluster-view takes on or off" })
  .transform((v) => v === "on" || v === "true");

const namespace = z
  .string()
  .refine((v) => isDns1123Label(v), { error: "--namespace must be a DNS-1123 label, for example default" });

const checkSchema = z.object({
  command: z.literal("check"),
  paths: z.array(z.string()).min(1, { error: "name files, directories, or - for standard input" }),
  policy: z.string().min(1).optional(),
  output: z.enum(["text", "json", "sarif"], { error: "--output takes text, json or sarif" }).default("text"),
  warningsAsErrors: z.boolean().default(false),
  clusterView: onOff.optional(),
  noClusterView: z.boolean().default(false),
  namespace: namespace.default("default"),
});

const mutateSchema = z.object({
  command: z.literal("mutate"),
  paths: z.array(z.string()).min(1, { error: "name files, directories, or - for standard input" }),
  policy: z.string().min(1).optional(),
  patch: z.boolean().default(false),
  namespace: namespace.default("default"),
});

export type CheckArgs = Omit<z.output<typeof checkSchema>, "noClusterView" | "clusterView"> & { clusterView: boolean };
export type MutateArgs = z.output<typeof mutateSchema>;
export type Args = CheckArgs | MutateArgs | { command: "help" } | { command: "version" };

const shared = {
  policy: { type: "string" },
  namespace: { type: "string", short: "n" },
  help: { type: "boolean", short: "h" },
} as const;

const commandOptions = {
  check: {
    ...shared,
    output: { type: "string", short: "o" },
    "warnings-as-errors": { type: "boolean" },
    "cluster-view": { type: "string" },
    "no-cluster-view": { type: "boolean" },
  },
  mutate: { ...shared, patch: { type: "boolean" } },
} as const;

export function parseCommandLine(argv: readonly string[]): Args {
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") return { command: "help" };
  if (command === "version" || command === "--version") return { command: "version" };
  if (command !== "check" && command !== "mutate") throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  let parsed;
  try {
    parsed = parseArgs({ args: [...rest], options: commandOptions[command], allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) return { command: "help" };
  const candidate = {
    command,
    paths: parsed.positionals,
    policy: values.policy,
    namespace: values.namespace,
    ...(command === "check"
      ? {
          output: values.output,
          warningsAsErrors: values["warnings-as-errors"],
          clusterView: values["cluster-view"],
          noClusterView: values["no-cluster-view"],
        }
      : { patch: values.patch }),
  };
  const result = (command === "check" ? checkSchema : mutateSchema).safeParse(candidate);
  if (!result.success) throw new UsageError(result.error.issues.map((i) => i.message).join("; "));
  if (result.data.command === "mutate") return result.data;
  const { noClusterView, clusterView, ...rest2 } = result.data;
  if (noClusterView && clusterView === true) throw new UsageError("--no-cluster-view contradicts --cluster-view=on");
  return { ...rest2, clusterView: noClusterView ? false : (clusterView ?? true) };
}

export const usage = `Usage:
  stateward check [options] <path>...    run the validating webhook's rules on manifests
  stateward mutate [options] <path>...   print manifests as the mutating webhook leaves them

Paths are files (.yaml, .yml, .json), directories (searched recursively) or - for standard input.

Options:
  --policy FILE            the policy document the webhook uses (YAML or JSON)
  -n, --namespace NAME     namespace of objects that name none (default: default)
check:
  -o, --output FORMAT      text (default), json or sarif
  --warnings-as-errors     exit 1 on warnings too
  --cluster-view on|off    treat the inputs as the cluster (default: on); --no-cluster-view = off
mutate:
  --patch                  print each object's JSON Patch instead of YAML

Exit codes: 0 clean, 1 something would be denied (or warned, with --warnings-as-errors), 2 bad usage or input.
`;
