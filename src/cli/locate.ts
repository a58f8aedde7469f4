/**
 * From a finding's field path (`spec.volumeClaimTemplates[0].metadata.name`) to a line in the manifest, through the
 * YAML syntax tree. A path that leaves the written manifest (a field the user did not write) stops at the deepest
 * field that exists, which is where the missing one belongs.
 */
import { isMap, isPair, isScalar, isSeq, type Node } from "yaml";
import type { FieldPath } from "../engine/field.js";
import { lineOf, type Manifest } from "./load.js";

/** Splits a rendered field path into property names, list indexes and map keys. */
export function pathSegments(path: FieldPath | string): (string | number)[] {
  const text = String(path);
  if (text === "<root>") return [];
  const segments: (string | number)[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ".") {
      i++;
    } else if (c === "[") {
      const end = text.indexOf("]", i);
      const inner = end < 0 ? text.slice(i + 1) : text.slice(i + 1, end);
      segments.push(/^\d+$/.test(inner) ? Number(inner) : inner);
      i = end < 0 ? text.length : end + 1;
    } else {
      let end = i;
      while (end < text.length && text[end] !== "." && text[end] !== "[") end++;
      segments.push(text.slice(i, end));
      i = end;
    }
  }
  return segments;
}

/** The 1-based line of the field at `path` in the manifest, or of its deepest written ancestor. */
export function locate(manifest: Manifest, path: FieldPath | string): number {
  let node: Node | null | undefined = manifest.node;
  let line = manifest.line;
  for (const segment of pathSegments(path)) {
    if (typeof segment === "number" && isSeq(node)) {
      const item: unknown = node.items[segment];
      if (!item || typeof item !== "object") break;
      node = item as Node;
      line = lineOf(manifest.file, node) ?? line;
    } else if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment),
      );
      if (!pair) break;
      // The key's line: `serviceName: mysql` is found by its name, also when the value sits on the next lines.
      line = lineOf(manifest.file, pair.key as Node) ?? line;
      node = pair.value as Node | null;
    } else {
      break;
    }
  }
  return line;
}
