/**
 * Reads manifest files into documents that remember where they came from: the file, the YAML document, and for the
 * items of a `List` the item's node, so a finding can point at the line of the field it names.
 */
import { readFileSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { type Document, isMap, isSeq, LineCounter, type Node, parseAllDocuments } from "yaml";

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
  file: SourceFile;
  document: Document.Parsed;
  /** Where the object sits inside its document: [] for a whole document, ["items", i] for a List item. */
  at: (string | number)[];
  node: Node;
  object: unknown;
  /** 1-based line of the object's first field. */
  line: number;
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

export interface LoadResult {
  files: SourceFile[];
  manifests: Manifest[];
  /** Unreadable or malformed input: the run goes on, and ends with exit code 2. */
  errors: InputProblem[];
  /** Documents passed over on purpose, for example one without `kind`. */
  notes: InputProblem[];
}

export interface LoadOptions {
  cwd: string;
  readStdin: () => Promise<string>;
}

/** Expands the given paths (files, directories searched recursively, `-` for standard input) in a stable order. */
async function expand(inputs: readonly string[], cwd: string, errors: InputProblem[]): Promise<string[]> {
  const out: string[] = [];
  for (const input of inputs) {
    if (input === "-") {
      out.push("-");
      continue;
    }
    const absolute = path.resolve(cwd, input);
    try {
      const info = await stat(absolute);
      if (info.isDirectory()) out.push(...(await walk(absolute)));
      else out.push(absolute);
    } catch (error) {
      errors.push({ file: displayName(absolute, cwd), message: readError(error) });
    }
  }
  return [...new Set(out)]; // a file named twice, or inside a named directory too, is read once
}

/** Directories skipped while walking: version control, dependencies and other hidden trees. */
const skippedDirectory = (name: string) => name.startsWith(".") || name === "node_modules";

async function walk(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [];
  for (const entry of entries) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) {
      if (!skippedDirectory(entry.name)) out.push(...(await walk(full)));
    } else if (entry.isFile() && manifestExtensions.some((ext) => entry.name.endsWith(ext))) {
      out.push(full);
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

export function lineOf(file: SourceFile, node: Node | null | undefined): number | undefined {
  const offset = node?.range?.[0];
  return offset === undefined ? undefined : file.lines.linePos(offset).line;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Splits a file's documents into objects: List documents contribute their items. */
export function manifestsOf(file: SourceFile, notes: InputProblem[]): Manifest[] {
  const out: Manifest[] = [];
  for (const document of file.documents) {
    const node = document.contents;
    if (!node) continue; // an empty document, as a trailing `---` leaves
    const line = lineOf(file, node) ?? 1;
    let object: unknown;
    try {
      object = document.toJS({ maxAliasCount: 100 });
    } catch (error) {
      notes.push({ file: file.name, line, message: `skipped a document that cannot be read: ${(error as Error).message}` });
      continue;
    }
    if (object === null || object === undefined) continue;
    if (!isRecord(object)) {
      notes.push({ file: file.name, line, message: "skipped a document that is not an object" });
      continue;
    }
    if (isList(object) && isMap(node)) {
      const items = node.get("items", true);
      if (!isSeq(items)) continue;
      items.items.forEach((item, i) => {
        const value = (object.items as unknown[])[i];
        const itemLine = lineOf(file, item as Node) ?? line;
        if (!isRecord(value)) {
          notes.push({ file: file.name, line: itemLine, message: `skipped items[${i}] of a List: not an object` });
          return;
        }
        if (!hasKind(value)) {
          notes.push({ file: file.name, line: itemLine, message: `skipped items[${i}] of a List: it has no kind` });
          return;
        }
        out.push({ file, document, at: ["items", i], node: item as Node, object: value, line: itemLine });
      });
      continue;
    }
    if (!hasKind(object)) {
      notes.push({ file: file.name, line, message: "skipped a document without kind" });
      continue;
    }
    out.push({ file, document, at: [], node, object, line });
  }
  return out;
}

const hasKind = (object: Record<string, unknown>) => typeof object.kind === "string" && object.kind !== "";

/** `kind: List` from kubectl, and typed lists such as `StatefulSetList`. */
function isList(object: Record<string, unknown>): boolean {
  return typeof object.kind === "string" && object.kind.endsWith("List") && Array.isArray(object.items);
}

/** Reads and parses every input; never throws for bad input, it reports it. */
export async function load(inputs: readonly string[], options: LoadOptions): Promise<LoadResult> {
  const errors: InputProblem[] = [];
  const notes: InputProblem[] = [];
  const files: SourceFile[] = [];
  const manifests: Manifest[] = [];
  let stdinRead = false;
  const targets = await expand(inputs, options.cwd, errors);
  for (const target of targets) {
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
    const parsed = parseSource(name, text);
    errors.push(...parsed.errors);
    if (!parsed.file) continue;
    files.push(parsed.file);
    manifests.push(...manifestsOf(parsed.file, notes));
  }
  return { files, manifests, errors, notes };
}
