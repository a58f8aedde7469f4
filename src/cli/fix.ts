/**
 * `stateward check --fix`: the fixes the checks carry (each a list of field changes, and objects to write beside the
 * manifest), then the defaults the policy asks for as `stateward mutate` applies them, written into the manifest files
 * where they apply; every other byte of a file stays as it was. `--fix --dry-run` prints the same edits as a unified
 * diff and writes nothing. What is left is reported as `check` reports it, read back from the files.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { createTwoFilesPatch } from "diff";
import { parseAllDocuments, stringify } from "yaml";
import { type ClusterView, emptyClusterView } from "../cluster/view.js";
import { describeChange, type FieldChange, stepsOf } from "../engine/change.js";
import { cloneJson } from "../engine/clone.js";
import { decodeObjects } from "../engine/decode.js";
import type { Finding } from "../engine/finding.js";
import { semanticEqual } from "../k8s/semantic.js";
import { runReview } from "../engine/review.js";
import type { Policy, Repair, RepairOutcome, RuleInput } from "../engine/types.js";
import { type FieldPath, formatFieldError } from "../k8s/field.js";
import { rules } from "../rules/index.js";
import { statefulSetApiVersion } from "../rules/statefulset/api-version.js";
import type { CheckArgs } from "./args.js";
import { nameOf, namespaceOf } from "./check.js";
import { inputClusterView } from "./cluster.js";
import type { Io } from "./io.js";
import { type EditableManifest, type LoadResult, loadEditable, parseSource, readManifests, type SourceFile, where } from "./load.js";
import { excludeMatcher } from "./exclude.js";
import { locate } from "./locate.js";
import { reviewTargetOf } from "./review-target.js";
import { templateLine } from "./template.js";
import { sequencesIndented } from "./yaml-edit.js";
import { writeObjectChanges } from "./yaml-splice.js";

/** One line of what `--fix` did or left, at the line of the field. */
export interface FixNote {
  file: string;
  line: number;
  message: string;
}

export interface FixResult {
  /** Each file's text after the fixes; files no fix touched are absent. */
  texts: Map<SourceFile, string>;
  /** What was changed, and added. */
  fixed: FixNote[];
  /** Findings a check has a fix for but did not fix, each with why. */
  unfixed: FixNote[];
}

export interface FixOptions {
  policy: Policy;
  clusterView: boolean;
  namespace: string;
}

const ruleById = new Map(rules.map((rule) => [rule.id, rule]));

/** Defaults read no cluster view. */
const offline = emptyClusterView("stateward check --fix applies defaults without a cluster view");

function setAt(root: Record<string, unknown>, change: FieldChange): void {
  const steps = stepsOf(change.path);
  let node: Record<string | number, unknown> = root;
  for (const step of steps.slice(0, -1)) {
    const next = node[step];
    if (typeof next !== "object" || next === null) node[step] = {};
    node = node[step] as Record<string | number, unknown>;
  }
  const last = steps[steps.length - 1]!;
  if (change.value === undefined) delete node[last];
  else node[last] = cloneJson(change.value);
}

const samePath = (a: FieldChange, b: FieldChange) => a.path.toString() === b.path.toString();

/** What one manifest gets: its field changes, the objects to write beside it, and the object as they leave it. */
class ManifestFix {
  readonly changes: FieldChange[] = [];
  readonly created: { object: Record<string, unknown>; by: string }[] = [];
  readonly fixed: FixNote[] = [];
  readonly unfixed: FixNote[] = [];
  readonly object: Record<string, unknown>;
  /** `StatefulSet shop/web`, as `stateward mutate` names an object. */
  readonly subject: string;

  constructor(
    readonly manifest: EditableManifest,
    namespace: string,
  ) {
    this.object = cloneJson(manifest.object as Record<string, unknown>);
    this.subject = identityOf(this.object, namespace);
  }

  private note(path: FieldPath, message: string): FixNote {
    return { file: this.manifest.file.name, line: locate(this.manifest.written, this.manifest.line, path), message: `${this.subject}: ${message}` };
  }

  /** Takes a check's answer to one of its findings. */
  take(outcome: RepairOutcome | undefined, finding: Finding): void {
    if (outcome === undefined) return;
    const unfixed = (why: string) => this.unfixed.push(this.note(finding.error.path, `no fix for ${formatFieldError(finding.error)} [${finding.ruleId}]: ${why}`));
    if ("refused" in outcome) {
      unfixed(outcome.refused);
      return;
    }
    const conflict = outcome.changes.find((change) => this.changes.some((c) => samePath(c, change) && !semanticEqual(c.value, change.value)));
    if (conflict) {
      unfixed(`another fix sets ${conflict.path} otherwise`);
      return;
    }
    this.apply(outcome, finding.ruleId);
  }

  apply(repair: Repair, by: string): void {
    for (const change of repair.changes) {
      if (this.changes.some((c) => samePath(c, change))) continue;
      this.changes.push(change);
      setAt(this.object, change);
      this.fixed.push(this.note(change.path, describeChange(change)));
    }
    for (const object of repair.created ?? []) this.created.push({ object, by });
  }
}

/** The fixes of one object's findings, each from the check that made it. */
async function fixFindings(fix: ManifestFix, options: FixOptions, cluster: ClusterView): Promise<void> {
  const source = fix.manifest.object as Record<string, unknown>;
  const subject = reviewTargetOf(source);
  if (!subject.reviewed) return;
  if (subject.apiFinding) fix.take(await statefulSetApiVersion.autofix?.of(source, subject.apiFinding.error), subject.apiFinding);
  const namespace = namespaceOf(source, options.namespace);
  const result = await runReview(
    { mode: "validate", kind: subject.kind, object: subject.object, operation: "CREATE", namespace },
    { policy: options.policy, cluster },
  );
  if (result.outcome !== "findings") return;
  const decoded = decodeObjects(subject.kind, subject.object, undefined);
  if (!("review" in decoded)) return;
  const scope = options.policy.forNamespace(namespace);
  for (const finding of [...result.denials, ...result.warnings]) {
    const rule = ruleById.get(finding.ruleId);
    const resolved = scope.rules.find((r) => r.rule.id === finding.ruleId);
    if (!rule?.autofix || !resolved) continue;
    // The input the rule's check had: the decoded object, as validate() hands it.
    const input = { ...decoded.review, operation: "CREATE", namespace, params: resolved.params, cluster } as RuleInput<typeof resolved.params>;
    fix.take(await rule.autofix.of(input, finding.error), finding);
  }
}

/** The policy's defaults on the object as the fixes left it, as field changes. */
async function applyDefaults(fix: ManifestFix, options: FixOptions): Promise<void> {
  const subject = reviewTargetOf(fix.object);
  if (!subject.reviewed || subject.unserved) return;
  const namespace = namespaceOf(fix.object, options.namespace);
  const result = await runReview(
    { mode: "mutate", kind: subject.kind, object: subject.object, operation: "CREATE", namespace },
    { policy: options.policy, cluster: offline },
  );
  if (result.outcome !== "patch" || result.patch === undefined) return;
  // The engine's own changes, each by its default (or the annotation's switch), in the order the patch makes them.
  for (const change of result.changes) fix.apply({ changes: [change] }, change.by);
}

const identityOf = (object: Record<string, unknown>, namespace: string) =>
  `${String(object.kind)} ${namespaceOf(object, namespace)}/${nameOf(object)}`;

/** Every fix of the inputs, written into each file's text. */
export async function fixAll(loaded: LoadResult<EditableManifest>, options: FixOptions): Promise<FixResult> {
  const cluster = inputClusterView(loaded.manifests, { enabled: options.clusterView, namespace: options.namespace });
  const texts = new Map<SourceFile, string>();
  const fixed: FixNote[] = [];
  const unfixed: FixNote[] = [];
  const createdSoFar = new Set<string>();
  const appended = new Map<SourceFile, Record<string, unknown>[]>();
  for (const manifest of loaded.manifests) {
    // A Go template named on the command line is checked as written, but its text is no manifest to edit.
    if (templateLine(manifest.file.text) !== undefined) continue;
    const fix = new ManifestFix(manifest, options.namespace);
    await fixFindings(fix, options, cluster);
    await applyDefaults(fix, options);
    unfixed.push(...fix.unfixed);
    if (fix.changes.length > 0) {
      const before = texts.get(manifest.file) ?? manifest.file.text;
      const documentIndex = manifest.file.documents.indexOf(manifest.document);
      const wrote = writeObjectChanges(manifest.file.name, before, { document: documentIndex, at: manifest.at }, fix.changes, fix.object);
      if (wrote.reprinted) {
        const message = `${fix.subject}: the file is printed again by the YAML library, which keeps comments but may change the spacing of other lines: ${wrote.reprinted}`;
        fixed.push({ file: manifest.file.name, line: manifest.line, message });
      }
      texts.set(manifest.file, wrote.text);
    }
    fixed.push(...fix.fixed);
    for (const { object, by } of fix.created) {
      // Two StatefulSets may name the same missing Service: it is written once.
      const identity = identityOf(object, namespaceOf(manifest.object as Record<string, unknown>, options.namespace));
      if (createdSoFar.has(identity)) continue;
      createdSoFar.add(identity);
      appended.set(manifest.file, [...(appended.get(manifest.file) ?? []), object]);
      fixed.push({ file: manifest.file.name, line: manifest.line, message: `${fix.subject}: add ${identity} as a new document at the end of the file [${by}]` });
    }
  }
  for (const [file, objects] of appended) {
    let text = texts.get(file) ?? file.text;
    // The fixes keep the file's style, so the file as read tells how its lists are indented.
    const indentSeq = sequencesIndented(file);
    for (const object of objects) text = `${text}${text === "" || text.endsWith("\n") ? "" : "\n"}---\n${stringify(object, { lineWidth: 0, indentSeq })}`;
    texts.set(file, text);
  }
  return { texts, fixed, unfixed };
}

/** A unified diff of every changed file, as `git apply` and `patch -p1` read it. */
export function unifiedDiff(texts: ReadonlyMap<SourceFile, string>): string {
  return [...texts]
    .map(([file, after]) => {
      const patch = createTwoFilesPatch(`a/${file.name}`, `b/${file.name}`, file.text, after, undefined, undefined, { context: 3 });
      // The first line of jsdiff's patch is a separator of its own, no part of the unified format.
      return patch.startsWith("=") ? patch.slice(patch.indexOf("\n") + 1) : patch;
    })
    .join("");
}

/**
 * `stateward check --fix [--dry-run]`: fixes the inputs and says what it did on standard error; edits the files, or
 * prints the diff with --dry-run. Returns the inputs as fixed, for `check` to report what is left: read back from the
 * files, or from the fixed texts with --dry-run.
 */
export async function fixInputs(args: CheckArgs, policy: Policy, io: Io, readAgain: () => Promise<LoadResult>): Promise<LoadResult> {
  const loaded = await loadEditable(args.paths, { cwd: io.cwd, readStdin: io.readStdin, excluded: await excludeMatcher(args.exclude) });
  const result = await fixAll(loaded, { policy, clusterView: args.clusterView, namespace: args.namespace });
  for (const note of result.fixed) io.stderr(`${where(note)}: ${note.message}\n`);
  for (const note of result.unfixed) io.stderr(`${where(note)}: ${note.message}\n`);
  if (!args.dryRun) {
    for (const [file, text] of result.texts) writeFileSync(path.resolve(io.cwd, file.name), text);
    return readAgain();
  }
  io.stdout(unifiedDiff(result.texts));
  const fixed: LoadResult = { files: [], manifests: [], errors: [...loaded.errors], notes: [...loaded.notes] };
  for (const file of loaded.files) {
    const read = readManifests(file.name, result.texts.get(file) ?? file.text, []);
    fixed.errors.push(...read.errors);
    if (read.file) fixed.files.push(read.file);
    fixed.manifests.push(...read.manifests);
  }
  return fixed;
}
