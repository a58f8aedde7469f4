/**
 * Reads manifest files into documents that remember where they came from: the file, the YAML document, and for the
 * items of a `List` the item's node, so a finding can point at the line of the field it names.
 */
import { readFileSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { type Document, LineCounter, parseAllDocuments } from "yaml";
import { FieldPath, formatFieldError, forbidden } from "../k8s/field.js";
import { refusedKey, refusedKeyDetail } from "../k8s/refused-key.js";
import type { Excluded } from "./exclude.js";
import { fieldOf, locate, placeOf, placeOfSpot, type Written } from "./locate.js";
import { readPlainYaml } from "./plain-yaml.js";
import { renderHint, templateLine } from "./template.js";

export const manifestExtensions = [".yaml", ".yml", ".json"] as const;
export const stdinName = "<stdin>";

export interface SourceFile {
  /** The name shown to users: relative to the working directory, or `<stdin>`. */
  name: string;
  text: string;
  documents: Document.Parsed[];
  lines: LineCounter;
}

/** One Kubernetes object of the input: a whole document, or an item of a List document. */
export interface Manifest {
  file: { name: string };
  object: unknown;
  /** 1-based line of the object's first field. */
  line: number;
  /** Where its fields were written, for the lines of findings. */
  written: Written;
}

/** A manifest of a file read to be changed (`stateward mutate`): its YAML document is kept, to change and print. */
export interface EditableManifest extends Manifest {
  file: SourceFile;
  document: Document.Parsed;
  /** Where the object sits inside its document: [] for a whole document, ["items", i] for a List item. */
  at: (string | number)[];
}

export interface InputProblem {
  file: string;
  line?: number;
  message: string;
}

/** `file:line`, or the file alone, as compilers point at input. */
export function where(problem: InputProblem): string {
  return problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
}

export interface LoadResult<M extends Manifest = Manifest> {
  /** The files read (a file with a syntax error is not among them). */
  files: M["file"][];
  manifests: M[];
  /** Unreadable or malformed input: the run goes on, and ends with exit code 2. */
  errors: InputProblem[];
  /** Documents passed over on purpose, for example one without `kind`. */
  notes: InputProblem[];
}

export interface LoadOptions {
  cwd: string;
  readStdin: () => Promise<string>;
  /** `--exclude`: what a directory walk passes over, by the path the report would show. */
  excluded?: Excluded;
}

/** A file to read: `-` for standard input, else an absolute path. */
interface Target {
  path: string;
  /** Found by walking a directory, not named: a template there is passed over with a note. */
  walked?: { chart?: string };
}

/** Expands the given paths (files, directories searched recursively, `-` for standard input) in a stable order. */
async function expand(inputs: readonly string[], options: LoadOptions, errors: InputProblem[]): Promise<Target[]> {
  const out = new Map<string, Target>(); // a file named twice, or inside a named directory too, is read once
  const add = (target: Target) => {
    if (!out.has(target.path)) out.set(target.path, target);
  };
  for (const input of inputs) {
    if (input === "-") {
      add({ path: "-" });
      continue;
    }
    const absolute = path.resolve(options.cwd, input);
    try {
      const info = await stat(absolute);
      if (info.isDirectory()) (await walk(absolute, options, undefined)).forEach(add);
      else add({ path: absolute });
    } catch (error) {
      errors.push({ file: displayName(absolute, options.cwd), message: readError(error) });
    }
  }
  return [...out.values()];
}

/** Directories skipped while walking: version control, dependencies and other hidden trees. */
const skippedDirectory = (name: string) => name.startsWith(".") || name === "node_modules";

async function walk(directory: string, options: LoadOptions, chart: string | undefined): Promise<Target[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // A Helm chart's directory holds Chart.yaml: the hint for its templates names the chart.
  const here = chart ?? (entries.some((e) => e.isFile() && e.name === "Chart.yaml") ? displayName(directory, options.cwd) : undefined);
  const out: Target[] = [];
  for (const entry of entries) {
    const full = path.join(directory, entry.name);
    if (options.excluded?.(displayName(full, options.cwd))) continue;
    if (entry.isDirectory()) {
      if (!skippedDirectory(entry.name)) out.push(...(await walk(full, options, here)));
    } else if (entry.isFile() && manifestExtensions.some((ext) => entry.name.endsWith(ext))) {
      out.push({ path: full, walked: here === undefined ? {} : { chart: here } });
    }
  }
  return out;
}

export function displayName(absolute: string, cwd: string): string {
  const relative = path.relative(cwd, absolute);
  const shown = relative === "" || relative.startsWith("..") || path.isAbsolute(relative) ? absolute : relative;
  return shown.split(path.sep).join("/");
}

function readError(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === "ENOENT") return "no such file or directory";
  if (code === "EACCES") return "permission denied";
  if (code === "EISDIR") return "is a directory";
  return (error as Error).message ?? String(error);
}

/** Parses one file's text; a file with a syntax error yields its errors and no documents. */
export function parseSource(name: string, text: string): { file?: SourceFile; errors: InputProblem[] } {
  const lines = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  // parseAllDocuments answers an empty stream with a pseudo-document list that holds no documents.
  const parsed = Array.isArray(documents) ? documents : [];
  const errors = parsed.flatMap((document) =>
    document.errors.map((error) => ({
      file: name,
      ...(error.linePos ? { line: error.linePos[0].line } : {}),
      message: `YAML syntax error: ${firstLine(error.message)}`,
    })),
  );
  if (errors.length > 0) return { errors };
  return { file: { name, text, documents: parsed, lines }, errors: [] };
}

function firstLine(text: string): string {
  return text.split("\n")[0]!.trim();
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** One document that holds something, as the splitting into objects sees it. */
interface ReadDocument<M extends Manifest> {
  line: number;
  /** Throws for a document whose value cannot be built (too many aliases). */
  value(): unknown;
  written: Written;
  /** The manifest of the whole document, or of the List item `at`. */
  manifest(object: Record<string, unknown>, line: number, written: Written, at: (string | number)[]): M;
}

/** Splits a file's documents into objects: List documents contribute their items. */
function splitDocuments<M extends Manifest>(name: string, documents: Iterable<ReadDocument<M>>, notes: InputProblem[]): M[] {
  const out: M[] = [];
  for (const document of documents) {
    const { line } = document;
    let object: unknown;
    try {
      object = document.value();
    } catch (error) {
      notes.push({ file: name, line, message: `skipped a document that cannot be read: ${(error as Error).message}` });
      continue;
    }
    if (object === null || object === undefined) continue;
    if (!isRecord(object)) {
      notes.push({ file: name, line, message: "skipped a document that is not an object" });
      continue;
    }
    if (isList(object) && document.written !== null && !Array.isArray(document.written)) {
      const spot = fieldOf(document.written, "items");
      const items = spot === undefined ? undefined : placeOfSpot(spot).value;
      if (!Array.isArray(items)) continue;
      items.map(placeOfSpot).forEach((item, i) => {
        const value = (object.items as unknown[])[i];
        const itemLine = item.line ?? line;
        if (!isRecord(value)) {
          notes.push({ file: name, line: itemLine, message: `skipped items[${i}] of a List: not an object` });
          return;
        }
        if (!hasKind(value)) {
          notes.push({ file: name, line: itemLine, message: `skipped items[${i}] of a List: it has no kind` });
          return;
        }
        out.push(document.manifest(value, itemLine, item.value, ["items", i]));
      });
      continue;
    }
    if (!hasKind(object)) {
      notes.push({ file: name, line, message: "skipped a document without kind" });
      continue;
    }
    out.push(document.manifest(object, line, document.written, []));
  }
  return out;
}

/** The documents of a file parsed by the `yaml` package, kept for editing. */
export function editableManifests(file: SourceFile, notes: InputProblem[]): EditableManifest[] {
  const documents = file.documents.flatMap((document): ReadDocument<EditableManifest>[] => {
    const node = document.contents;
    if (!node) return []; // an empty document, as a trailing `---` leaves
    const place = placeOf(node, file.lines);
    return [
      {
        line: place.line ?? 1,
        value: () => document.toJS({ maxAliasCount: 100 }),
        written: place.value,
        manifest: (object, line, written, at) => ({ file, document, at, object, line, written }),
      },
    ];
  });
  return splitDocuments(file.name, documents, notes);
}

/** The objects of a file, read by the plain reader where it can, else by the `yaml` package. */
export function readManifests(name: string, text: string, notes: InputProblem[]): { file?: { name: string }; manifests: Manifest[]; errors: InputProblem[] } {
  const plain = readPlainYaml(text);
  if (!plain) {
    const parsed = parseSource(name, text);
    if (!parsed.file) return { manifests: [], errors: parsed.errors };
    // Only the objects and their outlines are kept, not the documents.
    const manifests = editableManifests(parsed.file, notes).map(({ file, object, line, written }): Manifest => ({ file: { name: file.name }, object, line, written }));
    return { file: { name }, ...withoutRefusedKeys(text, manifests) };
  }
  const file = { name };
  const documents = plain.map(
    (document): ReadDocument<Manifest> => ({
      line: document.line,
      value: () => document.value,
      written: document.written,
      manifest: (object, line, written) => ({ file, object, line, written }),
    }),
  );
  return { file, ...withoutRefusedKeys(text, splitDocuments(name, documents, notes)) };
}

/** The steps to the first `__proto__` key in a value, or undefined. */
function refusedKeyAt(value: unknown): (string | number)[] | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const entries: [string | number, unknown][] = Array.isArray(value) ? [...value.entries()] : Object.entries(value);
  for (const [step, child] of entries) {
    if (step === refusedKey) return [step];
    const below = refusedKeyAt(child);
    if (below) return [step, ...below];
  }
  return undefined;
}

/**
 * The objects without a `__proto__` key, and an error for each one with: the webhook refuses such a body (400), the
 * API server such a key, and code reading the object would take it for the prototype. Only a file that mentions the
 * key is walked.
 */
function withoutRefusedKeys<M extends Manifest>(text: string, manifests: M[]): { manifests: M[]; errors: InputProblem[] } {
  if (!text.includes(refusedKey)) return { manifests, errors: [] };
  const errors: InputProblem[] = [];
  const kept = manifests.filter((manifest) => {
    const steps = refusedKeyAt(manifest.object);
    if (!steps) return true;
    const at = steps.reduce<FieldPath>((path, step) => (typeof step === "number" ? path.index(step) : path.child(step)), FieldPath.root());
    errors.push({ file: manifest.file.name, line: locate(manifest.written, manifest.line, at), message: formatFieldError(forbidden(at, refusedKeyDetail)) });
    return false;
  });
  return { manifests: kept, errors };
}

const hasKind = (object: Record<string, unknown>) => typeof object.kind === "string" && object.kind !== "";

/** `kind: List` from kubectl, and typed lists such as `StatefulSetList`. */
function isList(object: Record<string, unknown>): boolean {
  return typeof object.kind === "string" && object.kind.endsWith("List") && Array.isArray(object.items);
}

/**
 * Reads every input in order and hands each readable text to `take`; never throws for bad input, it reports it.
 * Each file is read to the end before the next is opened: files are small and the parser is what takes the time.
 */
async function readInputs(
  inputs: readonly string[],
  options: LoadOptions,
  problems: { errors: InputProblem[]; notes: InputProblem[] },
  take: (name: string, text: string) => void,
): Promise<void> {
  const { errors, notes } = problems;
  let stdinRead = false;
  const targets = await expand(inputs, options, errors);
  for (const { path: target, walked } of targets) {
    let name: string;
    let text: string;
    try {
      if (target === "-") {
        if (stdinRead) continue; // standard input can be read only once
        stdinRead = true;
        name = stdinName;
        text = await options.readStdin();
      } else {
        name = displayName(target, options.cwd);
        // Synchronous on purpose: for a directory of small files, a promise per read (open, stat, read and close each
        // a round trip through the thread pool) cost several times the read itself, and nothing else waits meanwhile.
        text = readFileSync(target, "utf8");
      }
    } catch (error) {
      errors.push({ file: target === "-" ? stdinName : displayName(target, options.cwd), message: readError(error) });
      continue;
    }
    const template = target === "-" ? undefined : templateLine(text);
    if (template !== undefined) {
      const what = `a Go template ({{ }} on line ${template}), not a manifest`;
      if (walked) {
        notes.push({ file: name, line: template, message: `skipped ${what}: ${renderHint(walked.chart)}` });
        continue;
      }
      // A file named on the command line is checked as written, as asked; the note says why it may not read.
      notes.push({ file: name, line: template, message: `${what}, checked as written; ${renderHint(undefined)}` });
    }
    take(name, text);
  }
}

/** Reads every input's objects, with where their fields were written; the YAML documents are not kept. */
export async function load(inputs: readonly string[], options: LoadOptions): Promise<LoadResult> {
  const result: LoadResult = { files: [], manifests: [], errors: [], notes: [] };
  await readInputs(inputs, options, result, (name, text) => {
    const read = readManifests(name, text, result.notes);
    result.errors.push(...read.errors);
    if (!read.file) return;
    result.files.push(read.file);
    result.manifests.push(...read.manifests);
  });
  return result;
}

/** Reads every input as YAML documents that can be changed and printed again (`stateward mutate`). */
export async function loadEditable(inputs: readonly string[], options: LoadOptions): Promise<LoadResult<EditableManifest>> {
  const result: LoadResult<EditableManifest> = { files: [], manifests: [], errors: [], notes: [] };
  await readInputs(inputs, options, result, (name, text) => {
    const parsed = parseSource(name, text);
    result.errors.push(...parsed.errors);
    if (!parsed.file) return;
    result.files.push(parsed.file);
    const read = withoutRefusedKeys(text, editableManifests(parsed.file, result.notes));
    result.errors.push(...read.errors);
    result.manifests.push(...read.manifests);
  });
  return result;
}
