/**
 * "Did you mean" for the policy document: the keys a schema accepts at a path of it, so an unknown key can be matched
 * (closestName of ../k8s/names.ts) against exactly the names that are allowed where it stands.
 */
import type * as z from "zod";

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
