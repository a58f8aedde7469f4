/**
 * `stateward mutate`: the manifests as the mutating webhook would leave them. The defaults' structured changes are
 * written into each file's text as `stateward check --fix` writes its fixes (src/cli/yaml-splice.ts), so every line the
 * defaults did not touch stays as it was.
 */
import type { Operation as PatchOperation } from "rfc6902";
import { describeChange } from "../engine/change.js";
import { defaultsChanges } from "../engine/mutate.js";
import { emptyClusterView } from "../cluster/view.js";
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
import { writeObjectChanges } from "./yaml-splice.js";

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
  const texts = new Map<SourceFile, string>();
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
      const before = texts.get(manifest.file) ?? manifest.file.text;
      const target = { document: manifest.file.documents.indexOf(manifest.document), at: manifest.at };
      try {
        const wrote = writeObjectChanges(manifest.file.name, before, target, result.changes, result.mutated);
        texts.set(manifest.file, wrote.text);
        if (wrote.reprinted) {
          notes.push({ ...where, message: `${subject.kind} ${JSON.stringify(name)}: the file is printed again by the YAML library, which keeps comments but may change the spacing of other lines: ${wrote.reprinted}` });
        }
      } catch (error) {
        errors.push({ ...where, message: error instanceof Error ? error.message : String(error) });
      }
    }
  }
  // Files follow each other as one YAML stream: each later file starts a new document.
  const yaml = loaded.files
    .map((file) => {
      const text = texts.get(file) ?? file.text;
      return text === "" || text.endsWith("\n") ? text : `${text}\n`;
    })
    .filter((text) => text !== "")
    .map((text, i) => (i > 0 && !text.startsWith("---") ? `---\n${text}` : text))
    .join("");
  return { patches, yaml, notes, errors };
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
