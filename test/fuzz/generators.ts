/**
 * Abuse generators: structured mutations of real AdmissionReviews, as raw request bodies. Runs in Node and in workerd
 * (no fs: the caller passes the base reviews in).
 *
 * Values the JSON serializer cannot produce (numbers beyond double range, -0, NaN, nesting deeper than the
 * serializer's stack) are written as raw JSON text through placeholders; `__proto__` keys are own data properties
 * (the way JSON.parse creates them), so they reach the server as real keys.
 */
import fc from "fast-check";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Segment = string | number;

/** A raw JSON fragment spliced into the body text in place of its placeholder string. */
const rawMarker = "\u0001raw\u0001";
const raw = (text: string): string => `${rawMarker}${text}${rawMarker}`;

export function serialize(value: unknown): string {
  // A deleted root serializes to nothing: an empty body.
  return (JSON.stringify(value) ?? "").replace(/"\\u0001raw\\u0001(.*?)\\u0001raw\\u0001"/gs, (_, text: string) =>
    JSON.parse(`"${text}"`),
  );
}

/** Sets an own, enumerable data property even for `__proto__`, as JSON.parse would. */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export const prototypeKeys = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf"];

/** The marker a prototype-pollution payload would leave on Object.prototype. */
export const pollutionMarker = "statewardPolluted";

function pollutionPayload(): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  define(payload, pollutionMarker, true);
  define(payload, "__proto__", { [pollutionMarker]: true });
  return payload;
}

function nested(depth: number, leaf: unknown, asArray: boolean): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = asArray ? [value] : { a: value };
  return value;
}

const numbers = fc.oneof(
  fc.constantFrom(1e308, -1e308, 2 ** 53 + 2, -(2 ** 63), 4294967296, 0.5, -1, 0, 5e-324, 2147483648),
  fc.constantFrom(raw("-0"), raw("1e400"), raw("-1e400"), raw("123456789012345678901234567890"), raw("1E+2"), raw("0.0000000000000000000001")),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

const strings = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("", "None", "0", "true", "null", "-", "a".repeat(64), "a".repeat(254), "💾".repeat(300), "\u0000", "\ud800", "\u202e", "../../etc", "Gi", "1Pi", "1e3", "100Mi"),
);

/** Rare but large: sizes around the limits. */
const huge = fc.oneof(
  fc.constantFrom(64 * 1024, 1024 * 1024, 2 * 1024 * 1024).map((n) => "x".repeat(n)),
  fc.constantFrom(1_000, 10_000, 100_000).map((n) => Array.from({ length: n }, (_, i) => i)),
  fc.constantFrom(50, 99, 100, 150).map((depth) => nested(depth, "leaf", false)),
  fc.constantFrom(1_000, 100_000).map((depth) => raw(`${"[".repeat(depth)}${"]".repeat(depth)}`)),
);

/** Any JSON value, biased towards the wrong types and edge values that break parsers and rules. */
export const anyValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { weight: 3, arbitrary: fc.constant(null) },
    { weight: 2, arbitrary: fc.boolean() },
    { weight: 3, arbitrary: numbers },
    { weight: 3, arbitrary: strings },
    { weight: 1, arbitrary: fc.constant(raw("NaN")) },
    { weight: 1, arbitrary: fc.array(tie("value"), { maxLength: 4, depthIdentifier: "v" }) },
    { weight: 1, arbitrary: fc.dictionary(fc.oneof(fc.string(), fc.constantFrom(...prototypeKeys)), tie("value"), { maxKeys: 3, depthIdentifier: "v" }).map((entries) => {
      const object: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(entries)) define(object, k, v);
      return object;
    }) },
    { weight: 1, arbitrary: fc.constant(null).map(() => pollutionPayload()) },
  ),
})).value;

const keys = fc.oneof(fc.constantFrom(...prototypeKeys, "", "f:spec", "a.b", "~1/", "💥", "metadata", "spec", "name"), fc.string());

/** Mostly small repeats (duplicates), sometimes far past any real list, rarely up to the size limit. */
const growTimes = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(2, 50) },
  { weight: 2, arbitrary: fc.constant(1_000) },
  { weight: 1, arbitrary: fc.constant(20_000) },
);

export type Mutation =
  | { op: "replace"; at: number; value: unknown }
  | { op: "delete"; at: number }
  | { op: "insert"; at: number; key: string; value: unknown }
  | { op: "grow"; at: number; times: number }
  | { op: "huge"; at: number; value: unknown };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ op: fc.constant("replace" as const), at: fc.nat(), value: anyValue }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("delete" as const), at: fc.nat() }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant("insert" as const), at: fc.nat(), key: keys, value: anyValue }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("grow" as const), at: fc.nat(), times: growTimes }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("huge" as const), at: fc.nat(), value: huge }) },
);

/** Every path in a JSON document, parents before children; the root is the empty path. */
export function pathsOf(value: unknown, limit = 2_000): Segment[][] {
  const paths: Segment[][] = [];
  const walk = (node: unknown, path: Segment[]) => {
    if (paths.length >= limit) return;
    paths.push(path);
    if (Array.isArray(node)) node.forEach((child, i) => walk(child, [...path, i]));
    else if (node !== null && typeof node === "object") for (const [k, child] of Object.entries(node)) walk(child, [...path, k]);
  };
  walk(value, []);
  return paths;
}

function parentOf(root: { body: unknown }, path: Segment[]): { parent: any; key: Segment } | undefined {
  let node: any = root;
  const full: Segment[] = ["body", ...path];
  for (const segment of full.slice(0, -1)) {
    if (node === null || typeof node !== "object" || !Object.hasOwn(node, segment)) return undefined;
    node = node[segment];
  }
  if (node === null || typeof node !== "object") return undefined;
  return { parent: node, key: full[full.length - 1]! };
}

const growBudgetBytes = 4 * 1024 * 1024;

/** Applies mutations to a copy of `base`, picking paths from `paths` (the base's own) by index. */
export function applyMutations(base: unknown, paths: Segment[][], mutations: Mutation[]): unknown {
  const root = { body: structuredClone(base) };
  for (const m of mutations) {
    const path = paths[m.at % paths.length]!;
    const found = parentOf(root, path);
    if (!found) continue;
    const { parent, key } = found;
    const current = parent[key];
    switch (m.op) {
      case "replace":
      case "huge":
        define(parent, String(key), m.value);
        break;
      case "delete":
        if (Array.isArray(parent)) parent.splice(Number(key), 1);
        else delete parent[key];
        break;
      case "insert":
        if (Array.isArray(current)) current.push(m.value);
        else if (current !== null && typeof current === "object") define(current, m.key, m.value);
        else define(parent, String(key), { [m.key]: m.value });
        break;
      case "grow": {
        // Repeats one item within a budget a little over the body limit, so that growing past it is tested without
        // exhausting the fuzzer's own memory. Each repeat is its own copy: a shared reference would let a later
        // mutation inside the item multiply by the number of repeats (seen: bodies past V8's string limit).
        const item = Array.isArray(current) && current.length > 0 ? current[0] : current;
        const text = JSON.stringify(item) ?? "null";
        const times = Math.min(m.times, Math.max(1, Math.floor(growBudgetBytes / (text.length + 1))));
        const copies = Array.from({ length: times }, () => JSON.parse(text) as unknown);
        if (Array.isArray(current) && current.length > 0) for (const copy of copies) current.push(copy);
        else define(parent, String(key), copies);
        break;
      }
    }
  }
  return root.body;
}

/** Whole bodies that are not AdmissionReviews at all. */
export const strangeBodies = fc.constantFrom(
  "",
  "null",
  "[]",
  "{}",
  '"AdmissionReview"',
  "1e400",
  "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}",
  "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":null}",
  "{\"__proto__\":{\"statewardPolluted\":true},\"apiVersion\":\"admission.k8s.io/v1\"}",
  "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"x\"",
  "\ufeff{}",
  `${"[".repeat(200_000)}${"]".repeat(200_000)}`,
  `${"{\"a\":".repeat(5_000)}1${"}".repeat(5_000)}`,
);

export interface FuzzCase {
  body: string;
  route: "/validate" | "/mutate";
}

/** A request: usually a mutated real review, sometimes a whole strange body. */
export function fuzzCase(bases: readonly unknown[]): fc.Arbitrary<FuzzCase> {
  const pathTables = bases.map((b) => pathsOf(b));
  const mutated = fc
    .record({ base: fc.nat({ max: bases.length - 1 }), mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }) })
    .map(({ base, mutations }) => serialize(applyMutations(bases[base], pathTables[base]!, mutations)));
  return fc.record({
    body: fc.oneof({ weight: 30, arbitrary: mutated }, { weight: 1, arbitrary: strangeBodies }),
    route: fc.constantFrom("/validate" as const, "/mutate" as const),
  });
}
