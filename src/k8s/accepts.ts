/**
 * Whether a zod schema accepts a value, answered without parsing it. `safeParse` builds a copy of every object and
 * array it reads (and copies each unknown field of a loose object) that the review then throws away, since it keeps
 * the object as received; on a small StatefulSet that copy cost more than all the rules together (bench/). The
 * predicate is read off the schema's own definition, so the schema stays the one description of what is accepted:
 * a schema that accepts the value gets the value back unchanged, and one that refuses it is parsed again by zod for
 * its issues. Parts this reader does not know (checks such as `.min(1)`, defaults, transforms, strict objects) are
 * judged by zod itself, so the answer is always zod's.
 *
 * @example
 * const accepts = acceptsOf(statefulSetSchema);
 * if (accepts(object)) use(object as StatefulSet);
 * else report(statefulSetSchema.safeParse(object).error);
 */
import type * as z from "zod";

export type Accepts = (value: unknown) => boolean;

interface Def {
  type: string;
  checks?: unknown[];
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  element?: z.ZodType;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  mode?: string;
  options?: z.ZodType[];
  innerType?: z.ZodType;
  entries?: Record<string, unknown>;
  values?: unknown[];
  coerce?: boolean;
  format?: string;
}

/**
 * A schema's definition through `schema.def`, zod 4's documented way to introspect a schema (zod.dev/api reads
 * `.def.shape`, `.def.element`, `.def.options`, `.def.innerType`, `.def.entries`; zod.dev/packages/core `.def.type`
 * and `.def.checks`), never the private `_zod`.
 */
const defOf = (schema: z.ZodType): Def => schema.def as unknown as Def;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** zod's own test for a record: an object whose prototype chain looks like Object's (JSON.parse makes only those). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (!isObject(value)) return false;
  const ctor = (value as { constructor?: unknown }).constructor;
  if (ctor === undefined || typeof ctor !== "function") return true;
  const prototype: unknown = (ctor as { prototype?: unknown }).prototype;
  return isObject(prototype) && Object.hasOwn(prototype, "isPrototypeOf");
}

const cache = new WeakMap<z.ZodType, Accepts>();

/** The predicate for `schema`, built once per schema and kept. */
export function acceptsOf(schema: z.ZodType): Accepts {
  let accepts = cache.get(schema);
  if (!accepts) {
    // A recursive schema would reach itself while being built: until then it asks the finished predicate.
    cache.set(schema, (value) => accepts!(value));
    accepts = build(schema);
    cache.set(schema, accepts);
  }
  return accepts;
}

/**
 * A schema with its optional and nullable wrappers taken off: what they let through (undefined, null) and the
 * predicate of what they wrap. Kubernetes fields are nearly all `.nullish()`, two wrappers deep; asking the flags in
 * the loop of the enclosing object or array saves two calls per field, and most fields of a schema are absent.
 */
interface Unwrapped {
  undefinedOk: boolean;
  nullOk: boolean;
  inner: Accepts;
}

const plain = (def: Def) => !((def.checks && def.checks.length > 0) || def.coerce || def.format);

function unwrap(schema: z.ZodType): Unwrapped {
  let undefinedOk = false;
  let nullOk = false;
  let current = schema;
  for (let def = defOf(current); (def.type === "optional" || def.type === "nullable") && plain(def); def = defOf(current)) {
    if (def.type === "optional") undefinedOk = true;
    else nullOk = true;
    current = def.innerType!;
  }
  return { undefinedOk, nullOk, inner: acceptsOf(current) };
}

/** Whether `value` passes the unwrapped schema: each wrapper accepts its own value or asks the one it wraps. */
function passes({ undefinedOk, nullOk, inner }: Unwrapped, value: unknown): boolean {
  if (value === undefined) return undefinedOk || inner(value);
  if (value === null) return nullOk || inner(value);
  return inner(value);
}

function build(schema: z.ZodType): Accepts {
  const def = defOf(schema);
  const byZod: Accepts = (value) => schema.safeParse(value).success;
  if (!plain(def)) return byZod;
  switch (def.type) {
    case "string":
      return (value) => typeof value === "string";
    case "number":
      return (value) => typeof value === "number" && Number.isFinite(value);
    case "boolean":
      return (value) => typeof value === "boolean";
    case "unknown":
    case "any":
      return () => true;
    case "enum": {
      const values = new Set(Object.values(def.entries ?? {}));
      // A numeric TypeScript enum also maps names back to numbers; zod's own reading of those is left to zod.
      if ([...values].some((v) => typeof v === "number")) return byZod;
      return (value) => values.has(value);
    }
    case "literal": {
      const values = new Set(def.values);
      return (value) => values.has(value);
    }
    case "optional":
    case "nullable": {
      const unwrapped = unwrap(schema);
      return (value) => passes(unwrapped, value);
    }
    case "union": {
      const options = def.options!.map(acceptsOf);
      return (value) => options.some((accepts) => accepts(value));
    }
    case "array": {
      const element = unwrap(def.element!);
      return (value) => {
        if (!Array.isArray(value)) return false;
        for (let i = 0; i < value.length; i++) {
          if (!passes(element, value[i])) return false;
        }
        return true;
      };
    }
    case "record": {
      // Only records keyed by any string: other key schemas own their keys in ways zod judges itself.
      const key = defOf(def.keyType!);
      if (key.type !== "string" || (key.checks && key.checks.length > 0) || def.mode === "loose") return byZod;
      const element = unwrap(def.valueType!);
      return (value) => {
        // A symbol key is not a string: zod refuses it (JSON and YAML make none).
        if (!isPlainObject(value) || Object.getOwnPropertySymbols(value).length > 0) return false;
        for (const name of Object.keys(value)) {
          if (name !== "__proto__" && !passes(element, value[name])) return false;
        }
        return true;
      };
    }
    case "object": {
      // A strict object refuses unknown keys, a catchall other than unknown judges them: both left to zod.
      if (def.catchall && defOf(def.catchall).type !== "unknown") return byZod;
      const names = Object.keys(def.shape!);
      const fields = names.map((name) => unwrap(def.shape![name]!));
      return (value) => {
        if (!isObject(value)) return false;
        for (let i = 0; i < names.length; i++) {
          if (!passes(fields[i]!, value[names[i]!])) return false;
        }
        return true;
      };
    }
    default:
      return byZod;
  }
}
