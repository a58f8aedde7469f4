/**
 * "Did you mean" for the policy document: the keys a schema accepts at a path of it, so an unknown key can be matched
 * (closestName of ../k8s/names.ts) against exactly the names that are allowed where it stands. Walks the schema with
 * zod's documented accessors (`.shape`, `.element`, `.valueType`, `.unwrap()`, a pipe's `.in`), not its internals.
 */
import * as z from "zod";

type AnySchema = z.core.$ZodType;

/** The schema inside optional, nullable, default and pipe wrappers. */
function unwrap(schema: AnySchema): AnySchema {
  let current = schema;
  for (;;) {
    if (
      current instanceof z.ZodOptional ||
      current instanceof z.ZodNullable ||
      current instanceof z.ZodDefault ||
      current instanceof z.ZodPrefault ||
      current instanceof z.ZodReadonly ||
      current instanceof z.ZodCatch ||
      current instanceof z.ZodNonOptional
    ) {
      current = current.unwrap();
    } else if (current instanceof z.ZodPipe) {
      current = current.in;
    } else {
      return current;
    }
  }
}

/** The keys an object schema accepts at `path` (map keys of records are skipped over), or none when it is no object. */
export function keysAt(schema: AnySchema, path: readonly PropertyKey[]): string[] {
  let current: AnySchema | undefined = unwrap(schema);
  for (const segment of path) {
    if (current instanceof z.ZodObject) current = Object.hasOwn(current.shape, segment) ? (current.shape as Record<PropertyKey, AnySchema>)[segment] : undefined;
    else if (current instanceof z.ZodRecord) current = current.valueType;
    else if (current instanceof z.ZodArray) current = current.element;
    else return [];
    if (!current) return [];
    current = unwrap(current);
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape) : [];
}
