/**
 * `stateward mutate`: the manifests as the mutating webhook would leave them. The webhook's JSON Patch is applied to
 * the YAML syntax tree, so comments, key order and quoting of everything the defaults did not touch survive.
 */
import type { Operation as PatchOperation } from "rfc6902";
import { type Document, isScalar, isSeq, visit } from "yaml";
import { emptyClusterView } from "../cluster/view.js";
import { deepEqual } from "../engine/provenance.js";
import { reviewSubject } from "../engine/review.js";
import type { ReviewedKind } from "../k8s/kinds.js";
import type { Policy } from "../engine/types.js";
import { parseMutateArgs } from "./args.js";
import { excludeMatcher } from "./exclude.js";
import { nameOf, namespaceOf } from "./check.js";
import { exitCodes, type Io } from "./io.js";
import { type EditableManifest, type InputProblem, type LoadResult, loadEditable, type SourceFile, where } from "./load.js";
import { readPolicy } from "./policy-file.js";
import { subjectOf } from "./subject.js";

export interface ObjectPatch {
  file: string;
  line: number;
  kind: ReviewedKind;
  namespace: string;
  name: string;
  patch: PatchOperation[];
  /** `set <field> to <value> [<default-id>]`, one per change. */
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
  const patches: ObjectPatch[] = [];
  const changedDocuments = new Set<Document.Parsed>();
  for (const manifest of loaded.manifests) {
    const source = manifest.object as Record<string, unknown>;
    const subject = subjectOf(source);
    if (!subject.reviewed) continue;
    const namespace = namespaceOf(source, options.namespace);
    const name = nameOf(source);
    const where = { file: manifest.file.name, line: manifest.line };
    if (subject.unserved) {
      // The API server rejects it before any webhook runs: there is nothing the webhook would do to it.
      notes.push({ ...where, message: `left ${subject.kind} ${JSON.stringify(name)} unchanged: ${subject.unserved}` });
      continue;
    }
    const result = await reviewSubject(
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
    patches.push({ ...where, kind: subject.kind, namespace, name, patch: result.patch ?? [], changes: result.changes });
    if (result.patch) {
      applyToDocument(manifest, result.patch, result.mutated);
      changedDocuments.add(manifest.document);
    }
  }
  // Files follow each other as one YAML stream: each later file starts a new document.
  const yaml = loaded.files
    .map((file) => render(file, changedDocuments))
    .filter((text) => text !== "")
    .map((text, i) => (i > 0 && !text.startsWith("---") ? `---\n${text}` : text))
    .join("");
  return { patches, yaml, notes, errors: loaded.errors };
}

function pointerSegments(pointer: string): string[] {
  return pointer
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** Applies the patch to the manifest's node; a patch the tree cannot take in place replaces the object whole. */
function applyToDocument(manifest: EditableManifest, patch: readonly PatchOperation[], mutated: unknown): void {
  const { document, at } = manifest;
  try {
    for (const op of patch) applyOperation(document, at, op);
  } catch {
    // fall through to the check below, which replaces the object
  }
  const now = at.length === 0 ? document.toJS() : document.getIn(at, false);
  const plain = now && typeof now === "object" && "toJSON" in now ? (now as { toJSON(): unknown }).toJSON() : now;
  if (!deepEqual(plain, mutated)) {
    if (at.length === 0) document.contents = document.createNode(mutated) as typeof document.contents;
    else document.setIn(at, document.createNode(mutated));
  }
}

function applyOperation(document: Document.Parsed, at: (string | number)[], op: PatchOperation): void {
  const path = [...at, ...pointerSegments(op.path)];
  const parentPath = path.slice(0, -1);
  const last = path[path.length - 1]!;
  const parent = parentPath.length === 0 ? document.contents : document.getIn(parentPath, true);
  switch (op.op) {
    case "add": {
      if (isSeq(parent)) {
        const node = document.createNode(op.value);
        if (last === "-") parent.items.push(node);
        else parent.items.splice(Number(last), 0, node);
        return;
      }
      document.setIn(path, document.createNode(op.value));
      return;
    }
    case "replace": {
      const target = document.getIn(path, true);
      // Changing a scalar in place keeps its comment and quoting.
      if (isScalar(target) && (op.value === null || typeof op.value !== "object")) target.value = op.value;
      else document.setIn(isSeq(parent) ? [...parentPath, Number(last)] : path, document.createNode(op.value));
      return;
    }
    case "remove":
      document.deleteIn(isSeq(parent) ? [...parentPath, Number(last)] : path);
      return;
    default:
      throw new Error(`patch operation ${op.op} is not applied in place`);
  }
}

/** A file comes back byte for byte unless one of its documents changed. */
function render(file: SourceFile, changed: ReadonlySet<Document.Parsed>): string {
  let text: string;
  if (!file.documents.some((d) => changed.has(d))) {
    text = file.text;
  } else {
    const indentSeq = sequencesIndented(file);
    text = file.documents
      .map((document, i) => {
        const out = document.toString({ lineWidth: 0, indentSeq });
        return i > 0 && !out.startsWith("---") ? `---\n${out}` : out;
      })
      .join("");
  }
  if (text !== "" && !text.endsWith("\n")) text += "\n";
  return text;
}

/**
 * Whether the file indents block sequences under their key (`ports:\n  - port: 80`) or not (`ports:\n- port: 80`);
 * the first block sequence decides, so a file keeps its own style.
 */
function sequencesIndented(file: SourceFile): boolean {
  let answer: boolean | undefined;
  for (const document of file.documents) {
    visit(document, {
      Pair(_key, pair) {
        if (answer !== undefined) return visit.BREAK;
        const key = pair.key as { range?: [number, number, number] } | null;
        const value = pair.value;
        if (!isSeq(value) || value.flow || !key?.range || !value.range) return undefined;
        const keyColumn = file.lines.linePos(key.range[0]).col;
        const seqColumn = file.lines.linePos(value.range[0]).col;
        answer = seqColumn > keyColumn;
        return visit.BREAK;
      },
    });
    if (answer !== undefined) break;
  }
  return answer ?? true;
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
