/**
 * Command-line arguments: node:util's parseArgs splits them, zod judges the values, and a mistyped command or flag
 * gets the nearest known name as a suggestion.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import * as z from "zod";
import { isDns1123Label } from "../k8s/names.js";

export class UsageError extends Error {
  override name = "UsageError";
}

/** Edit distance (insertions, deletions, substitutions, and swaps of neighbours, which typing makes most often). */
function distance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/** The known name nearest to a mistyped one, if it is near enough to be what was meant. */
export function didYouMean(typed: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const d = name.startsWith(typed) && typed.length >= 3 ? 0.5 : distance(typed, name);
    if (!best || d < best.distance) best = { name, distance: d };
  }
  const allowed = Math.max(1, Math.floor(typed.length / 3));
  return best && best.distance <= allowed ? best.name : undefined;
}

export const suggestion = (typed: string, known: readonly string[], render = (name: string) => name) => {
  const near = didYouMean(typed, known);
  return near === undefined ? "" : `; did you mean ${render(near)}?`;
};

export type FlagSpec = NonNullable<ParseArgsConfig["options"]>;

/**
 * parseArgs in strict mode with positionals, whose errors become UsageErrors that name the nearest known flag.
 * @example parseFlags(["--polcy", "p.yaml"], { policy: { type: "string" } }) // UsageError: ...; did you mean --policy?
 */
export function parseFlags<const T extends FlagSpec>(argv: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    if (code !== "ERR_PARSE_ARGS_UNKNOWN_OPTION") throw new UsageError(message);
    const typed = /'(-{1,2}[^'=\s]*)/.exec(message)?.[1] ?? "";
    const flag = typed.replace(/^-+/, "");
    return throwUnknownFlag(typed, flag, Object.keys(options));
  }
}

function throwUnknownFlag(typed: string, flag: string, known: string[]): never {
  throw new UsageError(`unknown option ${typed}${suggestion(flag, known, (name) => `--${name}`)}`);
}

const onOff = z
  .enum(["on", "off", "true", "false"], { error: "--cluster-view takes on or off" })
  .transform((v) => v === "on" || v === "true");

const namespace = z
  .string()
  .refine((v) => isDns1123Label(v), { error: "--namespace must be a DNS-1123 label, for example default" });

const paths = z.array(z.string()).min(1, { error: "name files, directories, or - for standard input" });

const checkSchema = z.object({
  paths,
  policy: z.string().min(1).optional(),
  output: z.enum(["text", "json", "sarif"], { error: "--output takes text, json or sarif" }).default("text"),
  warningsAsErrors: z.boolean().default(false),
  clusterView: onOff.optional(),
  noClusterView: z.boolean().default(false),
  namespace: namespace.default("default"),
});

const mutateSchema = z.object({
  paths,
  policy: z.string().min(1).optional(),
  patch: z.boolean().default(false),
  namespace: namespace.default("default"),
});

export type CheckArgs = Omit<z.output<typeof checkSchema>, "noClusterView" | "clusterView"> & { clusterView: boolean };
export type MutateArgs = z.output<typeof mutateSchema>;

const shared = {
  policy: { type: "string" },
  namespace: { type: "string", short: "n" },
} as const;

function judge<S extends z.ZodType>(schema: S, candidate: unknown): z.output<S> {
  const result = schema.safeParse(candidate);
  if (!result.success) throw new UsageError(result.error.issues.map((i) => i.message).join("; "));
  return result.data;
}

export function parseCheckArgs(argv: readonly string[]): CheckArgs {
  const { values, positionals } = parseFlags(argv, {
    ...shared,
    output: { type: "string", short: "o" },
    "warnings-as-errors": { type: "boolean" },
    "cluster-view": { type: "string" },
    "no-cluster-view": { type: "boolean" },
  });
  const { noClusterView, clusterView, ...rest } = judge(checkSchema, {
    paths: positionals,
    policy: values.policy,
    namespace: values.namespace,
    output: values.output,
    warningsAsErrors: values["warnings-as-errors"],
    clusterView: values["cluster-view"],
    noClusterView: values["no-cluster-view"],
  });
  if (noClusterView && clusterView === true) throw new UsageError("--no-cluster-view contradicts --cluster-view=on");
  return { ...rest, clusterView: noClusterView ? false : (clusterView ?? true) };
}

export function parseMutateArgs(argv: readonly string[]): MutateArgs {
  const { values, positionals } = parseFlags(argv, { ...shared, patch: { type: "boolean" } });
  return judge(mutateSchema, { paths: positionals, policy: values.policy, namespace: values.namespace, patch: values.patch });
}

const pathsHelp = "Paths are files (.yaml, .yml, .json), directories (searched recursively) or - for standard input.";

export const checkUsage = `Usage: stateward check [options] <path>...

Runs the validating webhook's rules on manifests, before they reach a cluster.
${pathsHelp}

Options:
  --policy FILE            the policy document the webhook uses (YAML or JSON)
  -n, --namespace NAME     namespace of objects that name none (default: default)
  -o, --output FORMAT      text (default), json or sarif
  --warnings-as-errors     exit 1 on warnings too
  --cluster-view on|off    treat the inputs as the cluster (default: on); --no-cluster-view = off

Exit codes: 0 clean, 1 something would be denied (or warned, with --warnings-as-errors), 2 bad usage or input.
`;

export const mutateUsage = `Usage: stateward mutate [options] <path>...

Prints manifests as the mutating webhook leaves them; what changed goes to standard error.
${pathsHelp}

Options:
  --policy FILE            the policy document the webhook uses (YAML or JSON)
  -n, --namespace NAME     namespace of objects that name none (default: default)
  --patch                  print each object's JSON Patch instead of YAML

Exit codes: 0 done, 2 bad usage or input.
`;
