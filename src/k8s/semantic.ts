/**
 * The one equality of decoded objects. Each caller names the semantics it needs, the way apimachinery's
 * `equality.Semantic.DeepEqual` is reflect.DeepEqual plus named exceptions: by default two values are equal only as
 * JSON (same keys, same values; what a patch must reproduce), and each option relaxes it in one way the API server's
 * decoding or comparison does.
 *
 * @example
 * semanticEqual({ a: null }, {}) // false: as JSON they differ
 * semanticEqual({ a: null }, {}, { nullAsAbsent: true }) // true: Go decodes both to a nil field
 * semanticEqual({ requests: { storage: "1Gi" } }, { requests: { storage: "1024Mi" } }, apiServerEquality) // true
 */
import { parseQuantity } from "./quantity.js";

export interface EqualityOptions {
  /** A null field is no field: JSON null decodes to Go's nil, as an absent field does. */
  nullAsAbsent?: boolean;
  /**
   * An empty list or map equals an absent one: apimachinery's forked reflect.DeepEqual holds a nil and an empty slice
   * or map equal, and `omitempty` drops both from JSON.
   */
  emptyAsAbsent?: boolean;
  /** `""`, `0` and `false` equal an absent field: Go's zero value of a field without a pointer is the field unset. */
  zeroAsAbsent?: boolean;
  /**
   * The values of resource lists (`requests`, `limits`, `capacity`) compare as quantities, 1Gi equal to 1024Mi, as
   * equality.Semantic compares resource.Quantity by Cmp.
   */
  quantities?: boolean;
}

/**
 * equality.Semantic.DeepEqual on decoded objects: every relaxation at once. Where Stateward cannot know a field's Go
 * type (a pointer or not), it errs towards "equal", which only ever leaves a judgement to the API server itself.
 */
export const apiServerEquality: EqualityOptions = { nullAsAbsent: true, emptyAsAbsent: true, zeroAsAbsent: true, quantities: true };

/** Map keys whose values are resource quantities (core/v1 ResourceList). */
const resourceLists = new Set(["requests", "limits", "capacity"]);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Equal as JSON: the fast path every option left unset takes (the mutation guard and provenance call it per review). */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  if (keys.length !== Object.keys(right).length) return false;
  for (const key of keys) if (!Object.hasOwn(right, key) || !jsonEqual(left[key], right[key])) return false;
  return true;
}

function absent(v: unknown, options: EqualityOptions): boolean {
  if (v === undefined) return true;
  if (v === null) return options.nullAsAbsent === true;
  if (options.zeroAsAbsent && (v === "" || v === 0 || v === false)) return true;
  if (options.emptyAsAbsent && typeof v === "object") return Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0;
  return false;
}

/** What a value is to its parent: any value, a resource list (a map of quantities), or one of its quantities. */
type Role = "value" | "resourceList" | "quantity";

function relaxedEqual(a: unknown, b: unknown, options: EqualityOptions, role: Role): boolean {
  if (a === b) return true;
  if (absent(a, options) && absent(b, options)) return true;
  if (role === "quantity" && (typeof a === "string" || typeof a === "number") && (typeof b === "string" || typeof b === "number")) {
    const x = parseQuantity(a);
    const y = parseQuantity(b);
    if (x !== undefined && y !== undefined) return x === y;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!relaxedEqual(a[i], b[i], options, "value")) return false;
    return true;
  }
  if (!isRecord(a) || !isRecord(b)) return false;
  const roleOf = (key: string): Role =>
    role === "resourceList" ? "quantity" : options.quantities === true && resourceLists.has(key) ? "resourceList" : "value";
  for (const key of Object.keys(a)) {
    if (!relaxedEqual(a[key], Object.hasOwn(b, key) ? b[key] : undefined, options, roleOf(key))) return false;
  }
  for (const key of Object.keys(b)) {
    if (!Object.hasOwn(a, key) && !absent(b[key], options)) return false;
  }
  return true;
}

/** Whether `a` and `b` are equal under the named relaxations (none: equal as JSON). */
export function semanticEqual(a: unknown, b: unknown, options: EqualityOptions = {}): boolean {
  if (!options.nullAsAbsent && !options.emptyAsAbsent && !options.zeroAsAbsent && !options.quantities) return jsonEqual(a, b);
  return relaxedEqual(a, b, options, "value");
}
