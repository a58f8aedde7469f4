/**
 * From a finding's field path to a line in the manifest. Reading a file keeps, beside each object, where its fields
 * and items were written (`Written`: an outline of lines, nothing else of the YAML), so the path's segments are walked
 * through that outline. A path that leaves the written manifest (a field the user did not write) stops at the deepest
 * field that exists, which is where the missing one belongs.
 */
import { isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from "yaml";
import type { FieldPath } from "../k8s/field.js";

/**
 * Where the fields of a mapping (by key as text: `80:` is the key "80"; the first of a key written twice), or the items
 * of a sequence, were written; null for a scalar. A mapping's outline is an object with the mapping's own keys, so
 * outlines of alike manifests share their shape and weigh little: they stay alive until the last finding is located.
 */
export type Written = Fields | Spot[] | null;

export interface Fields {
  [key: string]: Spot;
}

/** One field (at the line of its key) or one item (at its own line), and the outline of its value. */
export interface Place {
  /** 1-based; absent where the text gives no position. */
  line?: number;
  value: Written;
}

/** A place whose value is a scalar is its line alone: most fields are scalars, and this saves an object for each. */
export type Spot = Place | number;

/** The place a spot stands for. */
export const placeOfSpot = (spot: Spot): Place => (typeof spot === "number" ? { line: spot, value: null } : spot);

/** A place as a spot: its line alone when its value is a scalar. */
export const spotOf = (line: number | undefined, value: Written): Spot =>
  value === null && line !== undefined ? line : line === undefined ? { value } : { line, value };

/** The spot of field `key` of a mapping's outline, or undefined (not a mapping, no such field). */
export function fieldOf(written: Written, key: string): Spot | undefined {
  return written !== null && !Array.isArray(written) && Object.hasOwn(written, key) ? written[key] : undefined;
}

/** Sets a field of an outline; `__proto__` is a key like any other. */
export function setField(fields: Fields, key: string, spot: Spot): void {
  if (key === "__proto__") Object.defineProperty(fields, key, { value: spot, enumerable: true, writable: true, configurable: true });
  else fields[key] = spot;
}

function lineAt(offset: number | undefined, lines: LineCounter): number | undefined {
  return offset === undefined ? undefined : lines.linePos(offset).line;
}

/** The outline of a node parsed by the `yaml` package. */
export function writtenOf(node: unknown, lines: LineCounter): Written {
  if (isMap(node)) {
    const fields: Fields = {};
    for (const pair of node.items) {
      if (!isPair(pair) || !isScalar(pair.key)) continue;
      const key = String(pair.key.value);
      if (!Object.hasOwn(fields, key)) setField(fields, key, spotOf(lineAt(pair.key.range?.[0], lines), writtenOf(pair.value, lines)));
    }
    return fields;
  }
  if (isSeq(node)) return node.items.map((item) => spotOf(lineAt((item as Node | null)?.range?.[0], lines), writtenOf(item, lines)));
  return null;
}

/** A node's own line and outline. */
export function placeOf(node: unknown, lines: LineCounter): Place {
  const line = lineAt((node as Node | null | undefined)?.range?.[0], lines);
  return { ...(line === undefined ? {} : { line }), value: writtenOf(node, lines) };
}

/** The 1-based line of the field at `path` in an object written at `line`, or of its deepest written ancestor. */
export function locate(written: Written, line: number, path: FieldPath): number {
  let at = written;
  for (const segment of path.segments) {
    const next =
      segment.type === "index"
        ? Array.isArray(at) ? at[segment.index] : undefined
        : fieldOf(at, segment.type === "name" ? segment.name : segment.key);
    if (next === undefined) break;
    // A field's line is its key's: `serviceName: mysql` is found by its name, also when the value sits on the next lines.
    if (typeof next === "number") {
      line = next;
      at = null;
    } else {
      line = next.line ?? line;
      at = next.value;
    }
  }
  return line;
}
