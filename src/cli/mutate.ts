/**
 * `stateward mutate`: the manifests as the mutating webhook would leave them. The defaults' structured changes are
 * applied to the YAML syntax tree (src/cli/yaml-edit.ts), so comments, key order and quoting of everything the defaults
 * did not touch survive.
 */
import type { Operation as PatchOperation } from "rfc6902";
import type { Document } from "yaml";
import { describeChange, type FieldChange } from "../engine/change.js";
import { defaultsChanges } from "../engine/mutate.js";
import { emptyClusterView } from "../cluster/view.js";
import { semanticEqual } from "../k8s/semantic.js";
import { runReview } from "../engine/review.js";
import type { ReviewedKind } from "../k8s/kinds.js";
import type { Policy } from "../engine/types.js";
import { parseMutateArgs } from "./args.js";
import { excludeMatcher } from "./exclude.js";
import { nameOf, namespaceOf } from "./check.js";
import { exitCodes, type Io } from "./io.js";
import { type EditableManifest, type InputProblem, type LoadResult, loadEditable, type SourceFile, where } from "./load.js";
import { readPolicy } from "./policy-file.js";
import { reviewTargetOf } from "./review-target.js";
import { applyChanges, renderFile } from "./yaml-edit.js";

export interface ObjectPatch {
  file: string;
  line: number;
  kind: ReviewedKind;
  namespace: string;
  name: string;
  patch: PatchOperation[];
  /** `set <field> to <value> [<default-id>]`, one per change a default made. */
  changes: string[];
}

export interface MutateReport {
  patches: ObjectPatch[];
  /** The inputs as YAML, each file's documents changed in place. */
  yaml: string;
  notes: InputProblem[];
  errors: InputProblem[];
}

export interface MutateOptions {
  policy: Policy;
  namespace: string;
}

/** Defaults read no cluster view. */
const offline = emptyClusterView("stateward mutate reads no cluster view");

export async function mutateAll(loaded: LoadResult<EditableManifest>, options: MutateOptions): Promise<MutateReport> {
  const notes = [...loaded.notes];
  const errors = [...loaded.errors];
  const patches: ObjectPatch[] = [];
  const changedDocuments = new Set<Document.Parsed>();
  for (const manifest of loaded.manifests) {
    const source = manifest.object as Record<string, unknown>;
    const subject = reviewTargetOf(source);
    if (!subject.reviewed) continue;
    const namespace = namespaceOf(source, options.namespace);
    const name = nameOf(source);
    const where = { file: manifest.file.name, line: manifest.line };
    if (subject.unserved) {
      // The API server rejects it before any webhook runs: there is nothing the webhook would do to it.
      notes.push({ ...where, message: `left ${subject.kind} ${JSON.stringify(name)} unchanged: ${subject.unserved}` });
      continue;
    }
    const result = await runReview(
      { mode: "mutate", kind: subject.kind, object: subject.object, operation: "CREATE", namespace },
      { policy: options.policy, cluster: offline },
    );
    if (result.outcome === "skipped") {
      notes.push({ ...where, message: `left ${subject.kind} ${JSON.stringify(name)} unchanged: ${result.reason} by the policy` });
      continue;
    }
    if (result.outcome !== "patch") {
      notes.push({ ...where, message: `left ${subject.kind} ${JSON.stringify(name)} unchanged: \`stateward check\` reports why it cannot be read` });
      continue;
    }
    for (const skipped of result.skipped) notes.push({ ...where, message: `${subject.kind} ${JSON.stringify(name)}: ${skipped}` });
    const made = defaultsChanges(result.changes).map(describeChange);
    patches.push({ ...where, kind: subject.kind, namespace, name, patch: result.patch ?? [], changes: made });
    if (result.patch) {
      const failed = applyToDocument(manifest, result.changes, result.mutated);
      if (failed) errors.push({ ...where, message: failed });
      else changedDocuments.add(manifest.document);
    }
  }
  // Files follow each other as one YAML stream: each later file starts a new document.
  const yaml = loaded.files
    .map((file) => renderFile(file, changedDocuments))
    .filter((text) => text !== "")
    .map((text, i) => (i > 0 && !text.startsWith("---") ? `---\n${text}` : text))
    .join("");
  return { patches, yaml, notes, errors };
}

/**
 * Edits the manifest's node with the changes the defaults made. The edited tree must read back as the object the
 * webhook's patch makes; anything else is an internal error, reported rather than printed.
 */
function applyToDocument(manifest: EditableManifest, changes: readonly FieldChange[], mutated: unknown): string | undefined {
  const { document, at } = manifest;
  applyChanges(document, changes, at);
  const edited = at.length === 0 ? document.toJS() : document.getIn(at, false);
  const plain = edited && typeof edited === "object" && "toJSON" in edited ? (edited as { toJSON(): unknown }).toJSON() : edited;
  return semanticEqual(plain, mutated) ? undefined : "internal error: the edited YAML does not read back as the mutated object";
}

/** `stateward mutate ARGS...`: the manifests (or patches) on standard output, what changed on standard error. */
export async function runMutate(argv: readonly string[], io: Io): Promise<number> {
  const args = parseMutateArgs(argv);
  const policy = await readPolicy(args.policy, io);
  if (!policy) return exitCodes.badInput;
  const loaded = await loadEditable(args.paths, { cwd: io.cwd, readStdin: io.readStdin, excluded: await excludeMatcher(args.exclude) });
  const report = await mutateAll(loaded, { policy, namespace: args.namespace });
  if (args.patch) {
    io.stdout(`${JSON.stringify(report.patches, null, 2)}\n`);
  } else {
    io.stdout(report.yaml);
    // What changed goes to standard error, so standard output stays the manifests alone.
    for (const object of report.patches) {
      for (const change of object.changes) io.stderr(`${object.file}:${object.line}: ${object.kind} ${object.namespace}/${object.name}: ${change}\n`);
    }
  }
  for (const note of report.notes) io.stderr(`${where(note)}: note: ${note.message}\n`);
  for (const error of report.errors) io.stderr(`${where(error)}: error: ${error.message}\n`);
  return report.errors.length > 0 ? exitCodes.badInput : exitCodes.clean;
}
