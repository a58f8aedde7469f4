/**
 * Did the user set a field? The API server defaults objects before webhooks see them, so presence proves nothing.
 * Its own records answer, best first: server-side apply managedFields, then the client-side apply annotation, then a
 * comparison with the built-in default.
 */
import { lastAppliedAnnotation } from "../k8s/objects.js";
import type { BuiltinDefault, Provenance } from "./types.js";

type Json = unknown;

function get(root: Json, path: readonly string[]): Json {
  let node = root;
  for (const name of path) {
    if (node === null || typeof node !== "object" || Array.isArray(node)) return undefined;
    if (!Object.hasOwn(node, name)) return undefined;
    node = (node as Record<string, Json>)[name];
  }
  return node;
}

export function deepEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as Json[];
    return a.length === other.length && a.every((item, i) => deepEqual(item, other[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k) => Object.hasOwn(b, k) && deepEqual((a as Record<string, Json>)[k], (b as Record<string, Json>)[k]))
  );
}

interface ManagedFieldsEntry {
  operation?: string | null;
  fieldsV1?: Record<string, unknown> | null;
}

/** Fields owned by server-side apply managers, as `fieldsV1` sets; empty when the object was never applied so. */
function appliedFieldSets(object: Json): Record<string, unknown>[] {
  const entries = get(object, ["metadata", "managedFields"]);
  if (!Array.isArray(entries)) return [];
  return (entries as (ManagedFieldsEntry | null)[])
    .filter((e) => e && e.operation === "Apply" && e.fieldsV1 && typeof e.fieldsV1 === "object" && !Array.isArray(e.fieldsV1))
    .map((e) => e!.fieldsV1!);
}

function inFieldSet(set: Json, path: readonly string[]): boolean {
  return get(set, path.map((name) => `f:${name}`)) !== undefined;
}

function lastApplied(object: Json): Json | undefined {
  const text = get(object, ["metadata", "annotations", lastAppliedAnnotation]);
  if (typeof text !== "string") return undefined;
  try {
    const manifest: Json = JSON.parse(text);
    return manifest !== null && typeof manifest === "object" && !Array.isArray(manifest) ? manifest : undefined;
  } catch {
    return undefined;
  }
}

function isBuiltin(value: Json, builtinDefault: BuiltinDefault | undefined): boolean {
  if (builtinDefault === undefined) return false;
  return typeof builtinDefault === "function" ? builtinDefault(value) : deepEqual(value, builtinDefault);
}

/**
 * `oldObject` is the stored object of an UPDATE: a value the request itself changes to something other than the
 * built-in default is the user's (a `kubectl edit` or `kubectl patch` shows up in neither managedFields' Apply
 * entries nor the last-applied annotation). A change back to the built-in default is most often a field the user
 * dropped from the manifest and the API server filled in again, so that case falls through to the records.
 */
export function provenanceOf(object: Json, overrideBuiltinDefaults: boolean, oldObject?: Json): Provenance {
  const applied = appliedFieldSets(object);
  const manifest = applied.length > 0 ? undefined : lastApplied(object);
  return {
    userSet(path, builtinDefault) {
      const value = get(object, path);
      if (value === undefined || value === null) return false;
      const builtin = isBuiltin(value, builtinDefault);
      if (oldObject !== undefined && oldObject !== null) {
        const before = get(oldObject, path);
        if (before !== undefined && before !== null && !builtin && !deepEqual(before, value)) return true;
      }
      if (applied.length > 0) return applied.some((set) => inFieldSet(set, path));
      if (manifest !== undefined) return get(manifest, path) != null;
      return !(builtin && overrideBuiltinDefaults);
    },
  };
}
