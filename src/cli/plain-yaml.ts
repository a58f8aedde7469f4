/**
 * A fast reader for the plain block YAML that kubectl, Helm and most people write: block mappings and sequences,
 * one-line plain and quoted scalars (no escapes), one-line flow sequences of scalars, `{}`, comments and `---`.
 * `stateward check` over many files spent most of its time in the `yaml` package's lexer, parser and composer, and
 * keeping its documents alive kept the garbage collector busy; this reader makes the objects and their outline of
 * lines in one pass over the lines.
 *
 * It answers undefined for anything else (anchors, tags, block scalars, escapes, multi-line scalars, tabs, non-ASCII,
 * duplicate keys, anything the `yaml` package would call an error...), and the caller then reads the file with the
 * `yaml` package, whose errors are the ones users see. Where it answers, the objects and lines are those of the
 * `yaml` package; test/cli/plain-yaml.test.ts holds the two to each other on the fixtures and on generated text.
 * Plain scalars are resolved by the `yaml` package's own core-schema tags, so `80`, `true`, `~` and `0x1F` mean the
 * same in both.
 */
import { Document, isScalar, type ScalarTag } from "yaml";
import { type Fields, type Spot, spotOf, type Written } from "./locate.js";

/** One document of the file, an object: its value, its outline, and the line of its first key. */
export interface PlainDocument {
  value: Record<string, unknown>;
  written: Written;
  line: number;
}

const defaults = new Document();
/** The tags that resolve an untagged plain scalar, in the order the `yaml` package tries them. */
const plainTags = defaults.schema.tags.filter(
  (tag): tag is ScalarTag => tag.default === true && !("collection" in tag && tag.collection) && tag.test instanceof RegExp,
);

/** Thrown inside the reader when the text leaves the plain subset; never escapes it. */
class NotPlain extends Error {}
const notPlain = new NotPlain();

function resolveByTags(text: string): unknown {
  for (const tag of plainTags) {
    if (!tag.test!.test(text)) continue;
    let failed = false;
    const resolved = tag.resolve(text, () => (failed = true), defaults.options);
    if (failed) throw notPlain;
    return isScalar(resolved) ? resolved.value : resolved;
  }
  return text;
}

/** Manifests repeat their keys and many values (`name`, `ReadWriteOnce`): each text is tried against the tags once. */
const resolved = new Map<string, unknown>();
const maxResolved = 10_000;

function resolvePlain(text: string): unknown {
  let value = resolved.get(text);
  if (value === undefined && !resolved.has(text)) {
    value = resolveByTags(text);
    if (resolved.size >= maxResolved) resolved.clear();
    resolved.set(text, value);
  }
  return value;
}

interface Line {
  /** 1-based. */
  number: number;
  indent: number;
  /** The line after its indentation; never empty, never a whole-line comment. */
  text: string;
}

/** Printable ASCII and newlines only: tabs, carriage returns, byte-order marks and other text go to the `yaml` package. */
const outsideSubset = /[^\x20-\x7e\n]/;
const documentStart = /^---(?: +#.*| *)$/;
/** A plain scalar's first character may not be one of YAML's indicators (`-` is taken care of apart). */
const indicator = /^[?:,[\]{}#&*!|>'"%@`]/;
/** Keys longer than this are an error for the `yaml` package (an implicit key is at most 1024 characters). */
const maxKeyLength = 1000;

/** The file's documents that hold something, or undefined when the text is not plain YAML. */
export function readPlainYaml(text: string): PlainDocument[] | undefined {
  if (outsideSubset.test(text)) return undefined;
  const documents: PlainDocument[] = [];
  try {
    let lines: Line[] = [];
    const raw = text.split("\n");
    for (let i = 0; i < raw.length; i++) {
      const line = raw[i]!;
      if (line.startsWith("---") || line.startsWith("...")) {
        if (!documentStart.test(line)) return undefined;
        if (lines.length > 0) documents.push(new Reader(lines).document());
        lines = [];
        continue;
      }
      if (line.startsWith("%")) return undefined; // a directive
      let indent = 0;
      while (line.charCodeAt(indent) === 32) indent++;
      if (indent === line.length || line.charCodeAt(indent) === 35 /* # */) continue;
      lines.push({ number: i + 1, indent, text: line.slice(indent) });
    }
    if (lines.length > 0) documents.push(new Reader(lines).document());
  } catch (error) {
    // Nesting too deep for the stack is left to the yaml package too, which reports what it makes of it.
    if (error === notPlain || error instanceof RangeError) return undefined;
    throw error;
  }
  return documents;
}

const isItem = (text: string) => text.charCodeAt(0) === 45 /* - */ && (text.length === 1 || text.charCodeAt(1) === 32);

/** After a value: nothing, or a comment after a space. */
function assertEnd(rest: string): void {
  if (rest === "") return;
  const trimmed = rest.trimStart();
  if (trimmed === "" || (trimmed.startsWith("#") && trimmed.length < rest.length)) return;
  throw notPlain;
}

/** A quoted scalar at the start of `text`: its value and the text after it. Escapes and line breaks are not plain. */
function quoted(text: string): { value: string; rest: string } {
  const quote = text[0]!;
  if (quote === '"') {
    const end = text.indexOf('"', 1);
    const value = end < 0 ? "" : text.slice(1, end);
    if (end < 0 || value.includes("\\")) throw notPlain;
    return { value, rest: text.slice(end + 1) };
  }
  let value = "";
  let from = 1;
  for (;;) {
    const end = text.indexOf("'", from);
    if (end < 0) throw notPlain;
    value += text.slice(from, end);
    if (text[end + 1] !== "'") return { value, rest: text.slice(end + 1) };
    value += "'";
    from = end + 2;
  }
}

/** A mapping key at the start of `text` and the text after its colon, or undefined when `text` is no `key:` line. */
function keyOf(text: string): { key: string; rest: string } | undefined {
  let key: unknown;
  let rest: string;
  if (text[0] === '"' || text[0] === "'") {
    const scalar = quoted(text);
    if (scalar.rest[0] !== ":" || (scalar.rest.length > 1 && scalar.rest[1] !== " ")) return undefined;
    key = scalar.value;
    rest = scalar.rest.slice(1);
  } else {
    let colon = text.indexOf(": ");
    if (colon < 0) colon = text.endsWith(":") ? text.length - 1 : -1;
    if (colon < 0) return undefined;
    const plain = text.slice(0, colon);
    if (plain.includes(" #")) return undefined;
    if (plain === "" || plain.endsWith(" ") || indicator.test(plain) || plain[0] === "-" || plain.length > maxKeyLength) throw notPlain;
    key = resolvePlain(plain);
    rest = text.slice(colon + 1);
  }
  if (key === null || key === "__proto__" || key === "<<") throw notPlain;
  return { key: String(key), rest };
}

/** A plain scalar's text up to its comment; one that looks like a mapping or an indicator is not plain here. */
function plainScalar(text: string): unknown {
  const comment = text.indexOf(" #");
  const plain = (comment < 0 ? text : text.slice(0, comment)).trimEnd();
  if (plain === "" || indicator.test(plain) || (plain[0] === "-" && (plain.length === 1 || plain[1] === " "))) throw notPlain;
  if (plain.includes(": ") || plain.endsWith(":")) throw notPlain;
  return resolvePlain(plain);
}

/** `[a, "b"]` on one line: scalars only. */
function flowSequence(text: string, line: number): { value: unknown[]; written: Written } {
  const close = text.indexOf("]");
  if (close < 0) throw notPlain;
  assertEnd(text.slice(close + 1));
  const inner = text.slice(1, close);
  const value: unknown[] = [];
  const items: Spot[] = [];
  if (inner.trim() !== "") {
    for (const part of inner.split(",")) {
      const item = part.trim();
      if (item === "") throw notPlain;
      if (item[0] === '"' || item[0] === "'") {
        const scalar = quoted(item);
        if (scalar.rest !== "") throw notPlain;
        value.push(scalar.value);
      } else {
        if (/[:#[\]{}"']/.test(item) || indicator.test(item) || item[0] === "-") throw notPlain;
        value.push(resolvePlain(item));
      }
      items.push(line);
    }
  }
  return { value, written: items };
}

class Reader {
  #at = 0;
  readonly #lines: Line[];

  constructor(lines: Line[]) {
    this.#lines = lines;
  }

  document(): PlainDocument {
    const first = this.#lines[0]!;
    if (first.indent !== 0 || isItem(first.text)) throw notPlain;
    const { value, written } = this.#mapping(0, first);
    if (this.#at < this.#lines.length) throw notPlain;
    return { value, written, line: first.number };
  }

  /** A block mapping whose keys sit at column `indent`, starting with `line` (which may be the rest of a `- ` line). */
  #mapping(indent: number, line: Line): { value: Record<string, unknown>; written: Written } {
    const value: Record<string, unknown> = {};
    const fields: Fields = {};
    for (;;) {
      const pair = keyOf(line.text);
      if (!pair || Object.hasOwn(fields, pair.key)) throw notPlain;
      const inline = pair.rest.trimStart();
      let field: { value: unknown; written: Written };
      if (inline === "" || inline[0] === "#") {
        this.#at++;
        const next = this.#lines[this.#at];
        if (next && next.indent > indent) field = this.#block(next);
        else if (next && next.indent === indent && isItem(next.text)) field = this.#sequence(indent);
        else field = { value: null, written: null };
      } else {
        field = this.#inline(inline, line.number);
        this.#at++;
        const next = this.#lines[this.#at];
        if (next && next.indent > indent) throw notPlain; // a scalar that goes on over the next lines
      }
      value[pair.key] = field.value;
      fields[pair.key] = spotOf(line.number, field.written);
      const next = this.#lines[this.#at];
      if (!next || next.indent < indent) return { value, written: fields };
      if (next.indent > indent) throw notPlain;
      line = next;
    }
  }

  /** A block sequence whose `- ` sit at column `indent`. */
  #sequence(indent: number): { value: unknown[]; written: Written } {
    const value: unknown[] = [];
    const items: Spot[] = [];
    for (;;) {
      const line = this.#lines[this.#at]!;
      const after = line.text.slice(1);
      const text = after.trimStart();
      if (text === "" || text[0] === "#" || isItem(text)) throw notPlain; // the item on the next lines, or a nested `- -`
      const column = indent + 1 + after.length - text.length;
      let item: { value: unknown; written: Written };
      if (keyOf(text)) {
        item = this.#mapping(column, { number: line.number, indent: column, text });
      } else {
        item = this.#inline(text, line.number);
        this.#at++;
        const next = this.#lines[this.#at];
        if (next && next.indent > indent) throw notPlain;
      }
      value.push(item.value);
      items.push(spotOf(line.number, item.written));
      const next = this.#lines[this.#at];
      if (!next || next.indent < indent || !isItem(next.text)) return { value, written: items };
      if (next.indent > indent) throw notPlain;
    }
  }

  /** A mapping or a sequence starting at `line`, more indented than its parent. */
  #block(line: Line): { value: unknown; written: Written } {
    return isItem(line.text) ? this.#sequence(line.indent) : this.#mapping(line.indent, line);
  }

  /** A value on the same line as its key or `- `. */
  #inline(text: string, line: number): { value: unknown; written: Written } {
    const first = text[0];
    if (first === '"' || first === "'") {
      const scalar = quoted(text);
      assertEnd(scalar.rest);
      return { value: scalar.value, written: null };
    }
    if (first === "[") return flowSequence(text, line);
    if (first === "{") {
      const close = text.indexOf("}");
      if (close < 0 || text.slice(1, close).trim() !== "") throw notPlain;
      assertEnd(text.slice(close + 1));
      return { value: {}, written: {} };
    }
    return { value: plainScalar(text), written: null };
  }
}
