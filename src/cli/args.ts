/** The check and mutate commands' arguments: the flags split by parseFlags, zod judges the values. */
import * as z from "zod";
import { parseFlags, UsageError } from "../command/flags.js";
import { defaultNamespace } from "../k8s/kinds.js";
import { isDns1123Label } from "../k8s/names.js";

const onOff = z
  .enum(["on", "off", "true", "false"], { error: "--cluster-view takes on or off" })
  .transform((v) => v === "on" || v === "true");

const namespace = z
  .string()
  .refine((v) => isDns1123Label(v), { error: "--namespace must be a DNS-1123 label, for example default" });

const paths = z.array(z.string()).min(1, { error: "name files, directories, or - for standard input" });
const exclude = z.array(z.string().min(1, { error: "--exclude takes a glob, for example 'charts/**'" })).default([]);

const checkSchema = z.object({
  paths,
  exclude,
  policy: z.string().min(1).optional(),
  output: z.enum(["text", "json", "sarif", "github", "junit"], { error: "--output takes text, json, sarif, github or junit" }).default("text"),
  warningsAsErrors: z.boolean().default(false),
  allowEmpty: z.boolean().default(false),
  clusterView: onOff.optional(),
  noClusterView: z.boolean().default(false),
  namespace: namespace.default(defaultNamespace),
  fix: z.boolean().default(false),
  dryRun: z.boolean().default(false),
});

const mutateSchema = z.object({
  paths,
  exclude,
  policy: z.string().min(1).optional(),
  patch: z.boolean().default(false),
  namespace: namespace.default(defaultNamespace),
});

export type CheckArgs = Omit<z.output<typeof checkSchema>, "noClusterView" | "clusterView"> & { clusterView: boolean };
export type MutateArgs = z.output<typeof mutateSchema>;

const shared = {
  policy: { type: "string" },
  namespace: { type: "string", short: "n" },
  exclude: { type: "string", multiple: true },
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
    "allow-empty": { type: "boolean" },
    "cluster-view": { type: "string" },
    "no-cluster-view": { type: "boolean" },
    fix: { type: "boolean" },
    "dry-run": { type: "boolean" },
  });
  const { noClusterView, clusterView, ...rest } = judge(checkSchema, {
    paths: positionals,
    exclude: values.exclude,
    policy: values.policy,
    namespace: values.namespace,
    output: values.output,
    warningsAsErrors: values["warnings-as-errors"],
    allowEmpty: values["allow-empty"],
    clusterView: values["cluster-view"],
    noClusterView: values["no-cluster-view"],
    fix: values.fix,
    dryRun: values["dry-run"],
  });
  if (noClusterView && clusterView === true) throw new UsageError("--no-cluster-view contradicts --cluster-view=on");
  if (rest.dryRun && !rest.fix) throw new UsageError("--dry-run goes with --fix: it shows the fixes as a diff instead of writing them");
  if (rest.fix && !rest.dryRun && rest.paths.includes("-")) {
    throw new UsageError("--fix writes into the files it reads, and standard input is none; use --fix --dry-run for a diff");
  }
  return { ...rest, clusterView: noClusterView ? false : (clusterView ?? true) };
}

export function parseMutateArgs(argv: readonly string[]): MutateArgs {
  const { values, positionals } = parseFlags(argv, { ...shared, patch: { type: "boolean" } });
  return judge(mutateSchema, { paths: positionals, exclude: values.exclude, policy: values.policy, namespace: values.namespace, patch: values.patch });
}

const pathsHelp = `Paths are files (.yaml, .yml, .json), directories (searched recursively) or - for standard input.
A directory's Go templates (a Helm chart's templates/, with {{ }}) are skipped with a note: check what they render
to, helm template CHART | stateward check -. A file named on the command line is always read.`;

const excludeHelp = `  --exclude GLOB           skip what a directory walk finds at a matching path, relative to the working
                           directory as the report shows it (charts/**, legacy/*.yaml); a glob without /
                           matches a name at any depth (templates); repeatable`;

export const checkUsage = `Usage: stateward check [options] <path>...

Runs the validating webhook's rules on manifests, before they reach a cluster.
${pathsHelp}

Options:
  --policy FILE            the policy document the webhook uses (YAML or JSON)
  -n, --namespace NAME     namespace of objects that name none (default: default)
  -o, --output FORMAT      text (default), json, sarif, github (GitHub Actions annotations: ::error for
                           a denial, ::warning for a warning, ::notice for what was passed over), or junit
                           (JUnit XML: a testsuite per file, a testcase per object and rule; a denial is a
                           failure, a warning passes unless --warnings-as-errors)
  --warnings-as-errors     exit 1 on warnings too
  --allow-empty            exit 0 when the paths hold no manifest (by default that is an input error, exit 2)
  --cluster-view on|off    treat the inputs as the cluster (default: on); --no-cluster-view = off
  --fix                    fix in place what has exactly one right answer (the checks' fixes, then the
                           policy's defaults, as stateward mutate applies them), keeping every other line;
                           says what it fixed and why it left a finding on standard error, then reports what
                           is left
  --dry-run                with --fix: print the fixes as a unified diff and change no file
${excludeHelp}

Exit codes: 0 clean, 1 something would be denied (or warned, with --warnings-as-errors), 2 bad usage or input;
with --fix, of what is left after the fixes.
`;

export const mutateUsage = `Usage: stateward mutate [options] <path>...

Prints manifests as the mutating webhook leaves them; what changed goes to standard error.
${pathsHelp}

Options:
  --policy FILE            the policy document the webhook uses (YAML or JSON)
  -n, --namespace NAME     namespace of objects that name none (default: default)
  --patch                  print each object's JSON Patch instead of YAML
${excludeHelp}

Exit codes: 0 done, 2 bad usage or input.
`;
