/**
 * "Did you mean": the known name closest to a misspelt one, and the keys a schema accepts at a path of the policy
 * document, so an unknown key can be matched against exactly the names that are allowed where it stands.
 */
import type * as z from "zod";
import { editDistance } from "../k8s/names.js";

/**
 * The known name a typo most likely meant: the closest by edit distance when it is close for the name's length, or
 * the one name that contains it or that it contains (`statefulset-headless-service` for `headless-service`, `max`
 * for `maximum`). Undefined when nothing fits.
 *
 * @example closestName("storage-clas", ["storage-class", "storage-request"]) // "storage-class"
 */
export function closestName(unknown: string, known: readonly string[]): string | undefined {
  const lower = unknown.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(lower, name.toLowerCase());
    if (!best || distance < best.distance) best = { name, distance };
  }
  const tolerance = Math.max(2, Math.floor(unknown.length / 3));
  if (best && best.distance <= tolerance) return best.name;
  const overlapping = known.filter((name) => {
    const other = name.toLowerCase();
    return Math.min(lower.length, other.length) >= 3 && (other.includes(lower) || lower.includes(other));
  });
  return overlapping.length === 1 ? overlapping[0] : undefined;
}

type AnySchema = z.core.$ZodType;

/** The schema inside optional, nullable, default and pipe wrappers. */
function unwrap(schema: AnySchema): AnySchema {
  let current = schema;
  for (;;) {
    const def = current._zod.def as { type: string; innerType?: AnySchema; in?: AnySchema };
    if (def.innerType && ["optional", "nullable", "default", "prefault", "readonly", "catch"].includes(def.type)) {
      current = def.innerType;
    } else if (def.type === "pipe" && def.in) {
      current = def.in;
    } else {
      return current;
    }
  }
}

/** The keys an object schema accepts at `path` (map keys of records are skipped over), or none when it is no object. */
export function keysAt(schema: AnySchema, path: readonly PropertyKey[]): string[] {
  let current: AnySchema | undefined = unwrap(schema);
  for (const segment of path) {
    const def = current._zod.def as { type: string; shape?: Record<string, AnySchema>; valueType?: AnySchema; element?: AnySchema };
    if (def.type === "object") current = def.shape?.[String(segment)];
    else if (def.type === "record") current = def.valueType;
    else if (def.type === "array") current = def.element;
    else return [];
    if (!current) return [];
    current = unwrap(current);
  }
  const def = current._zod.def as { type: string; shape?: Record<string, AnySchema> };
  return def.type === "object" && def.shape ? Object.keys(def.shape) : [];
}
