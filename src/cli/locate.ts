/**
 * From a finding's field path to a line in the manifest: the path's segments are walked through the YAML syntax tree
 * and the node found gives the line (through the file's `LineCounter`). A path that leaves the written manifest (a
 * field the user did not write) stops at the deepest field that exists, which is where the missing one belongs.
 */
import { isMap, isPair, isScalar, isSeq, type Node, type Pair } from "yaml";
import type { FieldPath, PathSegment } from "../k8s/field.js";
import { lineOf, type Manifest } from "./load.js";

/** The pair of a map whose key is the segment's name or key; keys compare as text (`80:` is the key "80"). */
function pairOf(node: Node | null | undefined, segment: PathSegment): Pair | undefined {
  if (!isMap(node) || segment.type === "index") return undefined;
  const wanted = segment.type === "name" ? segment.name : segment.key;
  return node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === wanted);
}

/** The 1-based line of the field at `path` in the manifest, or of its deepest written ancestor. */
export function locate(manifest: Manifest, path: FieldPath): number {
  let node: Node | null | undefined = manifest.node;
  let line = manifest.line;
  for (const segment of path.segments) {
    if (segment.type === "index") {
      const item: unknown = isSeq(node) ? node.items[segment.index] : undefined;
      if (!item || typeof item !== "object") break;
      node = item as Node;
      line = lineOf(manifest.file, node) ?? line;
      continue;
    }
    const pair = pairOf(node, segment);
    if (!pair) break;
    // The key's line: `serviceName: mysql` is found by its name, also when the value sits on the next lines.
    line = lineOf(manifest.file, pair.key as Node) ?? line;
    node = pair.value as Node | null;
  }
  return line;
}
