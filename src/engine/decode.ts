/**
 * Decoding an object of a reviewed kind before rules and defaults see it: the loose schema of its kind must accept it,
 * or each problem becomes a deny finding with the offending field's path. Shared by the webhook and the offline check
 * so both judge the same bytes the same way.
 */
import { acceptsOf } from "../k8s/accepts.js";
import { kinds, type ReviewedKind } from "../k8s/kinds.js";
import { fieldPathOf, invalid } from "../k8s/field.js";
import type { Finding } from "./finding.js";
import type { BuiltInCheck, DecodedObjects } from "./types.js";

export const objectDecoding: BuiltInCheck = {
  id: "object-decoding",
  summary: "A StatefulSet, PersistentVolumeClaim or PodDisruptionBudget has the field types Kubernetes defines.",
  rationale: "The API server rejects an object whose fields have the wrong type, and no rule can judge it.",
  fix: "Correct the field's type as the message says, for example a number where a string is written.",
  kinds: ["StatefulSet", "PersistentVolumeClaim", "PodDisruptionBudget"],
  defaultAction: "deny",
  runs: "always",
};
export const decodingRuleId = objectDecoding.id;

const maxProblems = 10;

export interface Decoded {
  /** The object itself (not the parsed copy: unknown fields must survive), when it decoded. */
  object?: unknown;
  problems: Finding[];
}

export function decodeObject(kind: ReviewedKind, raw: unknown): Decoded {
  const { schema } = kinds[kind];
  // The object is kept as received, so zod's parsed copy is only worth building for the issues of a refused one.
  if (acceptsOf(schema)(raw)) return { object: raw, problems: [] };
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { object: raw, problems: [] };
  return {
    problems: parsed.error.issues.slice(0, maxProblems).map((issue) => {
      const value = issue.path.reduce<unknown>(valueAt, raw);
      return { ruleId: decodingRuleId, action: "deny", error: invalid(fieldPathOf(issue.path), value, issue.message) };
    }),
  };
}

/** The review of an object and its stored version, or the problems of the first that its kind's schema refuses. */
export function decodeObjects(kind: ReviewedKind, object: unknown, oldObject: unknown): { review: DecodedObjects } | { problems: Finding[] } {
  const decoded = decodeObject(kind, object);
  if (decoded.problems.length > 0) return { problems: decoded.problems };
  const old = oldObject === undefined || oldObject === null ? undefined : oldObject;
  if (old !== undefined) {
    const oldDecoded = decodeObject(kind, old);
    if (oldDecoded.problems.length > 0) return { problems: oldDecoded.problems };
  }
  // The schema of `kind` accepted both objects, which is what the DecodedObjects type says of them.
  return { review: { kind, object, oldObject: old } as DecodedObjects };
}

function valueAt(node: unknown, segment: PropertyKey): unknown {
  if (node === null || typeof node !== "object" || typeof segment === "symbol") return undefined;
  return Object.hasOwn(node, segment) ? (node as Record<string | number, unknown>)[segment] : undefined;
}
