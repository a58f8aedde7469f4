/**
 * Structured changes applied to YAML syntax trees, so a file keeps everything they do not touch: comments, key order,
 * quoting, flow or block style, and the file's indentation of sequences. `stateward mutate` writes the defaults' changes
 * with it, `stateward check --fix` the rules' fixes.
 *
 * @example
 * const document = parseDocument(text);
 * applyChanges(document, [{ path: FieldPath.root("spec", "replicas"), value: 3, by: "my-fix" }]);
 * const edited = document.toString();
 */
import { type Document, isAlias, isMap, isScalar, isSeq, type Node, visit } from "yaml";
import { type FieldChange, type Step, stepsOf } from "../engine/change.js";
import type { SourceFile } from "./load.js";

/**
 * Applies `changes` in order to the object at `at` in `document` ([] for the whole document, ["items", 3] for an item
 * of a List). A set writes into the nodes already there (a scalar keeps its comment, a mapping the comments and order
 * of the keys it keeps), creating missing parents as mappings; a removal deletes the pair or item.
 */
export function applyChanges(document: Document, changes: readonly FieldChange[], at: readonly Step[] = []): void {
  for (const change of changes) {
    const path = [...at, ...stepsOf(change.path)];
    unaliasAlong(document, path);
    if (change.value === undefined) {
      if (document.hasIn(path)) document.deleteIn(path);
      continue;
    }
    const current = path.length === 0 ? document.contents : document.getIn(path, true);
    const node = isNodeValue(current) ? assign(document, current, change.value) : document.createNode(change.value);
    if (node === current) continue;
    if (path.length === 0) document.contents = node as typeof document.contents;
    else document.setIn(path, node);
  }
}

/**
 * Replaces each alias on the way to `path` (`labels: *common`) by a copy of the node it names: an edit through the
 * alias would otherwise change the anchored node and every other alias of it.
 */
function unaliasAlong(document: Document, path: readonly Step[]): void {
  for (let i = 1; i <= path.length; i++) {
    const prefix = path.slice(0, i);
    const node = document.getIn(prefix, true);
    if (node === undefined) return;
    if (!isAlias(node)) continue;
    const copy = node.resolve(document)?.clone();
    if (!copy) return;
    delete (copy as { anchor?: string }).anchor;
    document.setIn(prefix, copy);
  }
}

const isNodeValue = (value: unknown): value is Node => isScalar(value) || isMap(value) || isSeq(value);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** `node` made to hold `value`, changed in place where its kind allows, else a new node. */
function assign(document: Document, node: Node, value: unknown): Node {
  if (isScalar(node) && (value === null || typeof value !== "object")) {
    node.value = value;
    return node;
  }
  if (isMap(node) && isPlainObject(value)) {
    for (const pair of [...node.items]) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      if (typeof key !== "string" || !Object.hasOwn(value, key)) node.delete(pair.key);
    }
    for (const [key, item] of Object.entries(value)) {
      const current = node.get(key, true);
      const next = isNodeValue(current) ? assign(document, current, item) : document.createNode(item);
      if (next !== current) node.set(key, next);
    }
    return node;
  }
  if (isSeq(node) && Array.isArray(value)) {
    node.items.splice(value.length);
    value.forEach((item, i) => {
      const current = node.items[i];
      node.items[i] = isNodeValue(current) ? assign(document, current, item) : document.createNode(item);
    });
    return node;
  }
  return document.createNode(value);
}

/**
 * The file as text: byte for byte unless one of its documents is in `edited`, else every document printed again with
 * the file's own indentation of sequences.
 */
export function renderFile(file: SourceFile, edited: ReadonlySet<Document>): string {
  let text: string;
  if (!file.documents.some((d) => edited.has(d))) {
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
export function sequencesIndented(file: SourceFile): boolean {
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
