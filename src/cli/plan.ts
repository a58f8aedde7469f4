/**
 * `stateward plan FILE...`: what applying the manifests will set in motion, against the live objects, as the webhook
 * would answer the UPDATE (like `kubectl diff`, for what the StatefulSet controller will do). The live objects come
 * as `kubectl get statefulset NAME -o json` (or `kubectl get sts,pvc,sc -o json`, a List) prints them, on standard
 * input or from `--live FILE`; they are the cluster view too, so claims and StorageClasses they include are looked up.
 * It does not call the API server itself.
 *
 * Each manifest with a live counterpart is reviewed by the engine's own pipeline (runReview) as an UPDATE from the
 * live object. What a change does is what the rules that run only on UPDATE say (statefulset-impact, -stuck-rollout,
 * -protect-claims, -immutable-fields, pvc-resize): those findings are printed; the object's own findings are
 * `stateward check`'s.
 */
import * as z from "zod";
import { recordsClusterView } from "../cluster/view.js";
import { type RenderedFinding, renderFinding } from "../engine/finding.js";
import { runReview } from "../engine/review.js";
import type { Policy } from "../engine/types.js";
import { parseFlags, UsageError } from "../command/flags.js";
import { defaultNamespace } from "../k8s/kinds.js";
import { isDns1123Label } from "../k8s/names.js";
import { rules } from "../rules/index.js";
import { nameOf, namespaceOf } from "./check.js";
import { recordsByKind } from "./cluster.js";
import { exitCodes, type Io } from "./io.js";
import { type InputProblem, load, type Manifest, where } from "./load.js";
import { readPolicy } from "./policy-file.js";
import { reviewTargetOf } from "./review-target.js";

export const planUsage = `Usage: stateward plan [options] <path>...

Prints what applying the manifests will make Kubernetes do to the live objects: which pods the StatefulSet
controller restarts, creates or deletes and in which order, which PVCs it deletes, and what the API server refuses.
Paths are files (.yaml, .yml, .json), directories (searched recursively) or - for standard input.

Options:
  --live FILE              the live objects: kubectl get statefulset NAME -o json, or a List of several kinds
                           (kubectl get sts,pvc,storageclass -o json); - for standard input (the default)
  --policy FILE            the policy document the webhook uses (YAML or JSON)
  -n, --namespace NAME     namespace of objects that name none (default: default)
  -o, --output FORMAT      text (default) or json

Example:
  kubectl get statefulset web -o json | stateward plan web.yaml

Exit codes: 0 done, 1 the API server or the webhook would refuse a change, 2 bad usage or input.
`;

const planSchema = z.object({
  paths: z.array(z.string()).min(1, { error: "name the manifests to plan: files, directories, or - for standard input" }),
  live: z.string().min(1).default("-"),
  policy: z.string().min(1).optional(),
  output: z.enum(["text", "json"], { error: "--output takes text or json" }).default("text"),
  namespace: z
    .string()
    .refine((v) => isDns1123Label(v), { error: "--namespace must be a DNS-1123 label, for example default" })
    .default(defaultNamespace),
});
export type PlanArgs = z.output<typeof planSchema>;

export function parsePlanArgs(argv: readonly string[]): PlanArgs {
  const { values, positionals } = parseFlags(argv, {
    live: { type: "string" },
    policy: { type: "string" },
    namespace: { type: "string", short: "n" },
    output: { type: "string", short: "o" },
  });
  const parsed = planSchema.safeParse({ paths: positionals, ...values });
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join("; "));
  if (parsed.data.live === "-" && parsed.data.paths.includes("-")) {
    throw new UsageError("standard input can hold the manifests or the live objects, not both: give the other with --live FILE");
  }
  return parsed.data;
}

/** The rules that judge a change rather than an object: they run on UPDATE only. */
const changeRules = new Set(rules.filter((rule) => rule.operations?.every((op) => op === "UPDATE")).map((rule) => rule.id));

export interface PlannedObject {
  file: string;
  line: number;
  kind: string;
  namespace: string;
  name: string;
  /** `update` when a live object of that name was given, `create` when none was. */
  action: "update" | "create";
  findings: RenderedFinding[];
}

export interface PlanReport {
  objects: PlannedObject[];
  notes: InputProblem[];
  errors: InputProblem[];
}

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The object as the API server will store it, approximately: the manifest's fields over the live object's, lists of
 * the same length item by item, so the fields the API server defaulted in the live object (and the status) stay as
 * they are. A field the manifest leaves out keeps its live value, as `kubectl apply` keeps a field it did not set.
 */
export function appliedOver(live: unknown, written: unknown): unknown {
  if (isRecord(live) && isRecord(written)) {
    const out: Json = { ...live };
    for (const [key, value] of Object.entries(written)) out[key] = appliedOver(live[key], value);
    return out;
  }
  if (Array.isArray(live) && Array.isArray(written) && live.length === written.length) {
    return written.map((item, i) => appliedOver(live[i], item));
  }
  return written;
}

/** The live objects as the cluster view: a kind none of them is counts as unknown, not as empty. */
const liveClusterView = (live: readonly Manifest[], namespace: string) => recordsClusterView(recordsByKind(live, namespace));

export async function plan(manifests: readonly Manifest[], live: readonly Manifest[], options: { policy: Policy; namespace: string }): Promise<PlanReport> {
  const cluster = liveClusterView(live, options.namespace);
  const liveByKey = new Map<string, Json>();
  for (const { object } of live) {
    const source = object as Json;
    liveByKey.set(`${String(source.kind)} ${namespaceOf(source, options.namespace)}/${nameOf(source)}`, source);
  }
  const notes: InputProblem[] = [];
  const objects: PlannedObject[] = [];
  for (const manifest of manifests) {
    const source = manifest.object as Json;
    const subject = reviewTargetOf(source);
    if (!subject.reviewed) continue;
    const namespace = namespaceOf(source, options.namespace);
    const name = nameOf(source);
    const entry = { file: manifest.file.name, line: manifest.line, kind: subject.kind, namespace, name };
    const current = liveByKey.get(`${subject.kind} ${namespace}/${name}`);
    if (!current) {
      objects.push({ ...entry, action: "create", findings: [] });
      continue;
    }
    const { status: _, ...written } = subject.object;
    const result = await runReview(
      { mode: "validate", kind: subject.kind, object: appliedOver(current, written), oldObject: current, operation: "UPDATE", namespace },
      { policy: options.policy, cluster },
    );
    if (result.outcome === "skipped") {
      notes.push({ file: manifest.file.name, line: manifest.line, message: `skipped ${subject.kind} ${JSON.stringify(name)}: ${result.reason}` });
      continue;
    }
    if (result.outcome === "patch") throw new Error("plan reviews in validate mode");
    const findings = result.outcome === "undecodable" ? result.problems : [...result.denials, ...result.warnings].filter((f) => changeRules.has(f.ruleId));
    objects.push({ ...entry, action: "update", findings: findings.map(renderFinding) });
  }
  return { objects, notes, errors: [] };
}

export function formatPlanText(report: PlanReport): string {
  const out: string[] = [];
  for (const error of report.errors) out.push(`${where(error)}: error: ${error.message}`);
  for (const object of report.objects) {
    const subject = `${object.kind} ${object.namespace}/${object.name}`;
    if (object.action === "create") {
      out.push(`${subject}: not among the live objects; applying creates it`);
      continue;
    }
    if (object.findings.length === 0) {
      out.push(`${subject}: nothing changes that the controller acts on`);
      continue;
    }
    out.push(`${subject}:`);
    for (const finding of object.findings) out.push(`  ${finding.action}: ${finding.message} [${finding.ruleId}]`);
  }
  for (const note of report.notes) out.push(`${where(note)}: note: ${note.message}`);
  return `${out.join("\n")}\n`;
}

/** `stateward plan ARGS...`. */
export async function runPlan(argv: readonly string[], io: Io): Promise<number> {
  const args = parsePlanArgs(argv);
  const policy = await readPolicy(args.policy, io);
  if (!policy) return exitCodes.badInput;
  const loaded = await load(args.paths, { cwd: io.cwd, readStdin: io.readStdin });
  const live = await load([args.live], { cwd: io.cwd, readStdin: io.readStdin });
  // Against live objects that could not all be read, every object would look new: nothing is planned.
  const report =
    live.errors.length > 0 ? { objects: [], notes: [], errors: [] } : await plan(loaded.manifests, live.manifests, { policy, namespace: args.namespace });
  report.notes.unshift(...loaded.notes, ...live.notes);
  report.errors.push(...loaded.errors, ...live.errors);
  io.stdout(args.output === "json" ? `${JSON.stringify(report, null, 2)}\n` : formatPlanText(report));
  if (args.output === "json") for (const error of report.errors) io.stderr(`${where(error)}: error: ${error.message}\n`);
  if (report.errors.length > 0) return exitCodes.badInput;
  return report.objects.some((o) => o.findings.some((f) => f.action === "deny")) ? exitCodes.denied : exitCodes.clean;
}
