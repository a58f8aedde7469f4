/**
 * `stateward check`: runs the webhook's own validation (decoding, then every rule the policy switches on) over each
 * StatefulSet and PersistentVolumeClaim of the inputs, as a CREATE, with the other inputs as the cluster view.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import packageJson from "../../package.json" with { type: "json" };
import { type ExemptedFinding, type Exemption, type Finding, type RenderedFinding, renderFinding } from "../engine/finding.js";
import type { ClusterView } from "../cluster/view.js";
import { runReview } from "../engine/review.js";
import type { Policy } from "../engine/types.js";
import { namespaceOr, type ReviewedKind } from "../k8s/kinds.js";
import { type CheckArgs, parseCheckArgs } from "./args.js";
import { inputClusterView } from "./cluster.js";
import { excludeMatcher } from "./exclude.js";
import { exitCodes, type Io } from "./io.js";
import { type InputProblem, load, type LoadResult, type Manifest, where } from "./load.js";
import { locate } from "./locate.js";
import { formatGithub } from "./output/github.js";
import { formatJson } from "./output/json.js";
import { formatJunit } from "./output/junit.js";
import { formatSarif } from "./output/sarif.js";
import { formatText } from "./output/text.js";
import { policyErrorLine, readPolicyFile } from "./policy-file.js";
import { reviewTargetOf, unservedBudgetVersion } from "./review-target.js";

export interface LocatedFinding extends RenderedFinding {
  line: number;
}

export interface ObjectResult {
  file: string;
  line: number;
  kind: ReviewedKind;
  apiVersion: string;
  namespace: string;
  name: string;
  /** metadata.uid, present on objects read from a cluster. */
  uid?: string;
  findings: LocatedFinding[];
  /** The exemptions the object's annotations ask for and the policy allows; none when absent. */
  exemptions?: Exemption[];
  /** The findings they took out, each with its exemption; none when absent. */
  exempted?: LocatedFinding[];
}

export interface CheckReport {
  files: string[];
  objects: ObjectResult[];
  notes: InputProblem[];
  errors: InputProblem[];
  /** What is wrong with the tool's configuration (the policy): nothing was checked. Counted as errors. */
  configuration: InputProblem[];
}

export interface CheckOptions {
  policy: Policy;
  clusterView: boolean;
  /** The view to judge against instead of the inputs' (`inputClusterView`): `stateward audit`'s whole cluster. */
  cluster?: ClusterView;
  /** The namespace of objects that do not name one. */
  namespace: string;
}

/** A manifest's namespace, `fallback` (--namespace) when it names none. */
export function namespaceOf(object: Record<string, unknown>, fallback: string): string {
  return namespaceOr((object.metadata as { namespace?: unknown } | undefined)?.namespace, fallback);
}

export function nameOf(object: Record<string, unknown>): string {
  const metadata = object.metadata as { name?: unknown; generateName?: unknown } | undefined;
  if (typeof metadata?.name === "string") return metadata.name;
  if (typeof metadata?.generateName === "string") return `${metadata.generateName}*`;
  return "";
}

function located(manifest: Manifest, finding: Finding | ExemptedFinding): LocatedFinding {
  return {
    ...renderFinding(finding),
    line: locate(manifest.written, manifest.line, finding.error.path),
  };
}

export async function check(loaded: LoadResult, options: CheckOptions): Promise<CheckReport> {
  const cluster = options.cluster ?? inputClusterView(loaded.manifests, { enabled: options.clusterView, namespace: options.namespace });
  const notes = [...loaded.notes];
  const objects: ObjectResult[] = [];
  const seen = new Map<string, string>();
  for (const manifest of loaded.manifests) {
    const source = manifest.object as Record<string, unknown>;
    const subject = reviewTargetOf(source);
    if (!subject.reviewed) {
      if (subject.note) notes.push({ file: manifest.file.name, line: manifest.line, message: subject.note });
      continue;
    }
    const namespace = namespaceOf(source, options.namespace);
    const name = nameOf(source);
    const identity = `${subject.kind} ${namespace}/${name}`;
    const earlier = seen.get(identity);
    if (earlier) {
      // Applying both makes the later one win; the cluster view holds the later one too.
      notes.push({ file: manifest.file.name, line: manifest.line, message: `${identity} is also defined at ${earlier}; applied together, this one replaces it` });
    } else {
      seen.set(identity, `${manifest.file.name}:${manifest.line}`);
    }
    const result = await runReview(
      { mode: "validate", kind: subject.kind, object: subject.object, operation: "CREATE", namespace },
      { policy: options.policy, cluster },
    );
    if (result.outcome === "skipped") {
      notes.push({
        file: manifest.file.name,
        line: manifest.line,
        message: `skipped ${subject.kind} ${JSON.stringify(name)}: ${result.reason} by the policy`,
      });
      continue;
    }
    const findings: Finding[] = subject.apiFinding ? [subject.apiFinding] : [];
    if (result.outcome === "undecodable") findings.push(...result.problems);
    else if (result.outcome === "findings") findings.push(...result.denials, ...result.warnings);
    const exempted = result.outcome === "findings" ? result : { exemptions: [], exempted: [] };
    objects.push({
      file: manifest.file.name,
      line: manifest.line,
      kind: subject.kind,
      apiVersion: String(source.apiVersion ?? ""),
      namespace,
      name,
      ...uidOf(source),
      findings: findings.map((f) => located(manifest, f)),
      exemptions: exempted.exemptions,
      exempted: exempted.exempted.map((f) => located(manifest, f)),
    });
  }
  return { files: loaded.files.map((f) => f.name), objects, notes, errors: loaded.errors, configuration: [] };
}

function uidOf(object: Record<string, unknown>): { uid?: string } {
  const uid = (object.metadata as { uid?: unknown } | undefined)?.uid;
  return typeof uid === "string" && uid !== "" ? { uid } : {};
}

export function counts(report: CheckReport) {
  const all = report.objects.flatMap((o) => o.findings);
  return {
    files: report.files.length,
    objects: report.objects.length,
    denied: report.objects.filter((o) => o.findings.some((f) => f.action === "deny")).length,
    denials: all.filter((f) => f.action === "deny").length,
    warnings: all.filter((f) => f.action === "warn").length,
    exempted: report.objects.reduce((sum, o) => sum + (o.exempted?.length ?? 0), 0),
    errors: report.configuration.length + report.errors.length,
  };
}

/** The nearest directory at or above `dir` that holds `.git` (a directory, or a file in a worktree), else `dir`. */
function repositoryRoot(dir: string): string {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    if (existsSync(path.join(at, ".git"))) return at;
    if (path.dirname(at) === at) return path.resolve(dir);
  }
}

/**
 * A manifest file's PodDisruptionBudget in a version no cluster serves any more is an input error of `check` (the
 * audit reads what a cluster served, so it has none).
 */
function withUnservedBudgets(loaded: LoadResult): LoadResult {
  const unserved = loaded.manifests.flatMap((manifest) => {
    const message = unservedBudgetVersion(manifest.object as Record<string, unknown>);
    return message ? [{ file: manifest.file.name, line: manifest.line, message }] : [];
  });
  return unserved.length > 0 ? { ...loaded, errors: [...loaded.errors, ...unserved] } : loaded;
}

/**
 * Inputs that hold no manifest at all, and read without error, are an input error unless --allow-empty: a path or a
 * glob that misses (a renamed folder, an --exclude that takes everything) would otherwise pass CI as "0 objects
 * checked", checking nothing.
 */
function withNothingToCheck(loaded: LoadResult, args: CheckArgs): LoadResult {
  if (args.allowEmpty || loaded.manifests.length > 0 || loaded.errors.length > 0) return loaded;
  const named = args.paths.map((p) => (p === "-" ? "<stdin>" : p)).join(" ");
  const read = loaded.files.length === 0 ? "no .yaml, .yml or .json file" : `${loaded.files.length === 1 ? "1 file" : `${loaded.files.length} files`} without a Kubernetes object`;
  const message = `nothing to check: ${read}${args.exclude.length > 0 ? " left after --exclude" : ""}; pass --allow-empty if that is expected`;
  return { ...loaded, errors: [{ file: named, message }] };
}

/** The manifests `check` reads, with the input errors of a run that checks nothing or names an unserved budget. */
async function inputsOf(args: CheckArgs, io: Io): Promise<LoadResult> {
  const loaded = await load(args.paths, { cwd: io.cwd, readStdin: io.readStdin, excluded: await excludeMatcher(args.exclude) });
  return withUnservedBudgets(withNothingToCheck(loaded, args));
}

/** The inputs of `check --fix` as fixed: edited files read back, or with --dry-run the fixed texts. */
async function fixedInputsOf(args: CheckArgs, policy: Policy, io: Io): Promise<LoadResult> {
  // Imported when asked for: a plain `check` parses none of the fixing code.
  const { fixInputs } = await import("./fix.js");
  const fixed = await fixInputs(args, policy, io, () => inputsOf(args, io));
  return args.dryRun ? withUnservedBudgets(withNothingToCheck(fixed, args)) : fixed;
}

/** `stateward check ARGS...`: the report on standard output, the exit code as the usage text says. */
export async function runCheck(argv: readonly string[], io: Io): Promise<number> {
  const args = parseCheckArgs(argv);
  const policy = await readPolicyFile(args.policy, io);
  let report: CheckReport;
  if (policy.ok) {
    const options = { policy: policy.policy, clusterView: args.clusterView, namespace: args.namespace };
    report = await check(args.fix ? await fixedInputsOf(args, policy.policy, io) : await inputsOf(args, io), options);
  } else {
    report = { files: [], objects: [], notes: [], errors: [], configuration: policy.problems };
  }
  // With --dry-run standard output is the diff alone; the exit code still says what would be left.
  if (args.dryRun && policy.ok) return exitCodeOf(report, args.warningsAsErrors);
  if (args.output === "github") {
    // Workflow commands on standard output, input errors among them: the runner reads them from there.
    io.stdout(formatGithub(report, { cwd: io.cwd, root: repositoryRoot(io.cwd) }));
  } else if (args.output === "text") {
    // With a broken policy nothing was checked: the problem alone, on standard error.
    if (policy.ok) io.stdout(formatText(report, { color: io.isTTY && io.env.NO_COLOR === undefined }));
    else for (const problem of report.configuration) io.stderr(policyErrorLine(problem));
  } else {
    // Machine output goes to a file in CI, and is a whole document even when nothing could be checked (the Action
    // uploads it whatever happened); the log still says why the run failed.
    const version = packageJson.version;
    const document =
      args.output === "json"
        ? formatJson(report)
        : args.output === "junit"
          ? formatJunit(report, { policy: policy.ok ? policy.policy : undefined, warningsAsErrors: args.warningsAsErrors })
          : formatSarif(report, { version, cwd: io.cwd, root: repositoryRoot(io.cwd) });
    io.stdout(document);
    for (const error of [...report.configuration, ...report.errors]) io.stderr(`${where(error)}: error: ${error.message}\n`);
  }
  return exitCodeOf(report, args.warningsAsErrors);
}

/** The exit code of `check` and `audit`: 2 for bad input, 1 for a denial (or a warning, if asked), else 0. */
export function exitCodeOf(report: CheckReport, warningsAsErrors: boolean): number {
  const c = counts(report);
  if (c.errors > 0) return exitCodes.badInput;
  if (c.denials > 0 || (warningsAsErrors && c.warnings > 0)) return exitCodes.denied;
  return exitCodes.clean;
}
