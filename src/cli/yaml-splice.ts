/**
 * Field changes written into a manifest's text where they apply, and nowhere else: a scalar is replaced in its own
 * bytes (keeping its quotes and the comment after it), a missing field is inserted as new lines at the end of its
 * mapping (in the mapping's indentation), an item at the end of its list, an entry before the closing bracket of a flow
 * collection. Every other line stays byte for byte, which re-printing a parsed `yaml` Document does not promise (it
 * normalises indentation, spacing and flow collections). What cannot be edited so (a scalar that becomes a mapping, a
 * list that shrinks, an alias, a flow collection with comments inside) throws `NotSpliceable`, and the caller decides
 * what to do instead.
 */
import { isMap, isScalar, isSeq, type Node, parseAllDocuments, Scalar, stringify, type YAMLMap, type YAMLSeq } from "yaml";
import { type FieldChange, type Step, stepsOf } from "../engine/change.js";
import { changedFields } from "../engine/changed-fields.js";
import { semanticEqual } from "../k8s/semantic.js";
import { parseSource } from "./load.js";
import { applyChanges, renderFile } from "./yaml-edit.js";

export class NotSpliceable extends Error {}

export interface SpliceTarget {
  /** The index of the object's document in the file. */
  document: number;
  /** Where the object sits inside its document: [] for a whole document, ["items", i] for a List item. */
  at: Step[];
}

/**
 * `text` with `changes` written into the object at `target`. Throws NotSpliceable where an edit would have to touch
 * lines that are not its own.
 *
 * @example spliceChanges("spec:\n  replicas: 1 # one\n", { document: 0, at: [] }, [{ path: FieldPath.root("spec", "replicas"), value: 3, by: "x" }])
 *   // "spec:\n  replicas: 3 # one\n"
 */
/**
 * The text with `changes` written into the object at `target`: spliced in where they apply; where a change cannot be
 * spliced (a scalar that becomes a mapping, a list that shrinks, an alias), the file is printed again by the YAML
 * library (src/cli/yaml-edit.ts), which keeps comments but not every space, and `reprinted` says why. The result is
 * read back and must hold `expected`; anything else is an internal error, never a silent write. `stateward mutate` and
 * `stateward check --fix` both write their changes through here.
 */
export function writeObjectChanges(
  name: string,
  text: string,
  target: SpliceTarget,
  changes: readonly FieldChange[],
  expected: unknown,
): { text: string; reprinted?: string } {
  let out: string;
  let reprinted: string | undefined;
  try {
    out = spliceChanges(text, target, changes);
  } catch (error) {
    if (!(error instanceof NotSpliceable)) throw error;
    const { file } = parseSource(name, text);
    if (!file) throw new Error("internal error: an edited text no longer parses");
    const document = file.documents[target.document]!;
    applyChanges(document, changes, target.at);
    out = renderFile(file, new Set([document]));
    reprinted = error.message;
  }
  if (!semanticEqual(objectAt(out, target), expected)) throw new Error("internal error: the edited YAML does not read back as the changed object");
  return reprinted === undefined ? { text: out } : { text: out, reprinted };
}

/** The object a parsed text holds at `target`. */
function objectAt(text: string, target: SpliceTarget): unknown {
  const document = parseAllDocuments(text)[target.document];
  if (!document || !("contents" in document)) return undefined;
  const whole = document.toJS({ maxAliasCount: 100 }) as unknown;
  return target.at.reduce<unknown>((node, step) => (node as Record<string | number, unknown> | undefined)?.[step], whole);
}

export function spliceChanges(text: string, target: SpliceTarget, changes: readonly FieldChange[]): string {
  let out = text;
  for (const change of changes) out = spliceOne(out, target, [...target.at, ...stepsOf(change.path)], change.value);
  return out;
}

/** One change; the text is parsed again for each, so every offset is the text's own. */
function spliceOne(text: string, target: SpliceTarget, steps: Step[], value: unknown): string {
  const document = parseAllDocuments(text)[target.document];
  if (!document || !("contents" in document)) throw new NotSpliceable("the document is gone");
  let node: unknown = document.contents;
  let depth = 0;
  for (; depth < steps.length; depth++) {
    const next = childOf(node, steps[depth]!);
    if (next === undefined) break;
    node = next;
  }
  if (depth === steps.length) return replaceNode(text, target, steps, node, value);
  if (value === undefined) return text; // removing what is not there
  return insertBelow(text, node, steps.slice(depth), value);
}

function childOf(node: unknown, step: Step): unknown {
  if (isMap(node)) return node.items.find((pair) => isScalar(pair.key) && String(pair.key.value) === String(step))?.value ?? undefined;
  if (isSeq(node) && typeof step === "number") return node.items[step];
  return undefined;
}

const isPlainValue = (value: unknown) => value === null || ["string", "number", "boolean"].includes(typeof value);

function replaceNode(text: string, target: SpliceTarget, steps: Step[], node: unknown, value: unknown): string {
  if (value === undefined) return removeField(text, target, steps);
  if (isScalar(node) && isPlainValue(value)) {
    const [start, end] = rangeOf(node);
    // An empty value (`key:`) has no bytes of its own: the new one needs the space after the colon.
    return text.slice(0, start) + (start === end ? " " : "") + scalarText(value, node) + text.slice(end);
  }
  if ((isMap(node) || isSeq(node)) && typeof value === "object" && value !== null && Array.isArray(value) === isSeq(node)) {
    // A container changes field by field, each as its own edit.
    const before = node.toJSON() as unknown;
    let out = text;
    for (const field of changedFields(before, value)) {
      const fieldValue = valueAt(value, field);
      const beforeValue = valueAt(before, field);
      if (Array.isArray(fieldValue) && Array.isArray(beforeValue) && fieldValue.length > beforeValue.length && isPrefix(beforeValue, fieldValue)) {
        fieldValue.slice(beforeValue.length).forEach((item, i) => {
          out = spliceOne(out, target, [...steps, ...field, beforeValue.length + i], item);
        });
      } else if (Array.isArray(fieldValue) && Array.isArray(beforeValue)) {
        throw new NotSpliceable("a list that changes other than at its end");
      } else {
        out = spliceOne(out, target, [...steps, ...field], fieldValue);
      }
    }
    return out;
  }
  throw new NotSpliceable("a value that changes its type");
}

function isPrefix(short: readonly unknown[], long: readonly unknown[]): boolean {
  return short.every((item, i) => changedFields(item, long[i]).length === 0);
}

function valueAt(root: unknown, steps: readonly Step[]): unknown {
  let node = root;
  for (const step of steps) node = (node as Record<Step, unknown> | undefined)?.[step];
  return node;
}

function rangeOf(node: Node): [number, number] {
  if (!node.range) throw new NotSpliceable("a node without a position");
  return [node.range[0], node.range[1]];
}

/** A scalar in the quoting its predecessor had, where it can keep it; else as `yaml` writes it. */
function scalarText(value: unknown, previous: Scalar): string {
  if (typeof value === "string" && previous.type === Scalar.QUOTE_DOUBLE) return JSON.stringify(value);
  if (typeof value === "string" && previous.type === Scalar.QUOTE_SINGLE) return `'${value.replace(/'/g, "''")}'`;
  return stringify(value, { lineWidth: 0 }).trimEnd();
}

/** The column of `offset`: its distance from the start of its line. */
function columnOf(text: string, offset: number): number {
  return offset - (text.lastIndexOf("\n", offset - 1) + 1);
}

/** Where a line may be inserted after a node that ends at `end`: the start of the next line. */
function lineAfter(text: string, end: number): { at: number; prefix: string } {
  if (end > 0 && text[end - 1] === "\n") return { at: end, prefix: "" };
  const newline = text.indexOf("\n", end);
  return newline === -1 ? { at: text.length, prefix: "\n" } : { at: newline + 1, prefix: "" };
}

/** `lines` indented by `indent` after the first, which sits where the caller puts it. */
function indentAfterFirst(lines: string, indent: number): string {
  return lines
    .trimEnd()
    .split("\n")
    .map((line, i) => (i === 0 || line === "" ? line : " ".repeat(indent) + line))
    .join("\n");
}

/** Inserts the missing `steps` (the first of them absent from `node`) with `value` at their end. */
function insertBelow(text: string, node: unknown, steps: Step[], value: unknown): string {
  const [first, ...rest] = steps;
  const nested = rest.reduceRight<unknown>((inner, step) => {
    if (typeof step === "number") throw new NotSpliceable("a list item below a missing field");
    return { [step]: inner };
  }, value);
  if (isMap(node) && node.flow && typeof first === "string") return appendToFlow(text, node, `${flowText(first)}: ${flowText(nested)}`);
  if (isSeq(node) && node.flow && first === node.items.length) return appendToFlow(text, node, flowText(nested));
  if (isMap(node) && node.items.length > 0 && typeof first === "string") return appendToMap(text, node, first, nested);
  if (isSeq(node) && node.items.length > 0 && first === node.items.length) return appendToSeq(text, node, nested);
  throw new NotSpliceable("a field of an empty block collection or of a scalar");
}

/** A value in flow style, on one line: `{type: RollingUpdate}`. */
const flowText = (value: unknown): string =>
  stringify(value, { collectionStyle: "flow", flowCollectionPadding: false, lineWidth: 0 }).trimEnd();

/** Adds an entry before the closing bracket of a flow collection (`{name: web}`, `[ReadWriteOnce]`). */
function appendToFlow(text: string, collection: YAMLMap | YAMLSeq, entry: string): string {
  const [start, end] = rangeOf(collection);
  const close = text.lastIndexOf(isMap(collection) ? "}" : "]", end - 1);
  if (close < start || text.slice(start, close + 1).includes("#")) throw new NotSpliceable("a flow collection with comments inside");
  const before = text.slice(start + 1, close);
  const inner = before.trimEnd();
  const separator = inner.trim() === "" ? "" : inner.endsWith(",") ? " " : ", ";
  return text.slice(0, start + 1) + inner + separator + entry + before.slice(inner.length) + text.slice(close);
}

/** Whether the file writes a block list under its key at the key's column (`ports:\n- port: 80`). */
function listsUnindented(text: string): boolean {
  const match = /^( *)[^\s#-][^\n]*:[ \t]*\n( *)- /m.exec(text);
  return match !== null && match[1]!.length === match[2]!.length;
}

/** The file's step of indentation: the indent of the first line below a top-level key; 2 where none is. */
function indentStep(text: string): number {
  const match = /^[^\s#-][^\n]*:[ \t]*(?:#[^\n]*)?\n( +)[^\s#]/m.exec(text);
  return match ? match[1]!.length : 2;
}

function appendToMap(text: string, map: YAMLMap, key: string, value: unknown): string {
  const firstKey = map.items[0]!.key as Node;
  const indent = columnOf(text, rangeOf(firstKey)[0]);
  const last = map.items[map.items.length - 1]!;
  const end = rangeOf((last.value ?? last.key) as Node)[1];
  const { at, prefix } = lineAfter(text, end);
  const rendered = stringify({ [key]: value }, { lineWidth: 0, indent: indentStep(text), indentSeq: !listsUnindented(text) });
  const lines = `${" ".repeat(indent)}${indentAfterFirst(rendered, indent)}\n`;
  return text.slice(0, at) + prefix + lines + text.slice(at);
}

function appendToSeq(text: string, seq: YAMLSeq, value: unknown): string {
  const firstItem = seq.items[0] as Node;
  const itemStart = rangeOf(firstItem)[0];
  const dash = text.lastIndexOf("-", itemStart);
  if (dash === -1 || text.slice(text.lastIndexOf("\n", dash) + 1, dash).trim() !== "") throw new NotSpliceable("a list item not on a line of its own");
  const indent = columnOf(text, dash);
  const end = rangeOf(seq.items[seq.items.length - 1] as Node)[1];
  const { at, prefix } = lineAfter(text, end);
  const rendered = stringify([value], { lineWidth: 0, indent: indentStep(text), indentSeq: !listsUnindented(text) });
  const lines = `${" ".repeat(indent)}${indentAfterFirst(rendered, indent)}\n`;
  return text.slice(0, at) + prefix + lines + text.slice(at);
}

/** Removes a field written on lines of its own (its key's line to its value's last). */
function removeField(text: string, target: SpliceTarget, steps: Step[]): string {
  const document = parseAllDocuments(text)[target.document]!;
  const parent = steps.length === 1 ? document.contents : document.getIn(steps.slice(0, -1), true);
  const key = steps[steps.length - 1]!;
  if (!isMap(parent) || parent.flow) throw new NotSpliceable("a field of a flow collection or a list item");
  const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
  if (!pair) return text;
  const start = rangeOf(pair.key as Node)[0];
  const lineStart = text.lastIndexOf("\n", start - 1) + 1;
  if (text.slice(lineStart, start).trim() !== "") throw new NotSpliceable("a field that shares its line");
  const { at } = lineAfter(text, rangeOf((pair.value ?? pair.key) as Node)[1]);
  return text.slice(0, lineStart) + text.slice(at);
}
