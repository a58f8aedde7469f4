/**
 * Did the user set a field, and may a default change it? The API server defaults objects before webhooks see them, so
 * presence proves nothing. Its own records answer: server-side apply's managedFields, the client-side apply annotation
 * and, on UPDATE, the stored object (`oldObject`).
 *
 * What each record proves (k8s.io/apimachinery `util/managedfields`, the `create` and `update` handlers of
 * k8s.io/apiserver):
 * - An `Apply` entry lists exactly the fields of the applied configuration; the API server defaults the merged object
 *   afterwards, and nobody owns what it filled in.
 * - An `Update` entry is computed by comparing the object before and after the request, both already defaulted. On
 *   create that compares against an empty object, so the creating manager owns every defaulted field; on update the
 *   manager takes over every field the request changed, including one the API server filled in again because the
 *   request dropped it. An `Update` entry therefore says who last wrote a field, never whether the value was chosen.
 * - The last-applied annotation holds the manifest of the latest `kubectl apply` (client-side), whose changes the
 *   `kubectl-client-side-apply` manager owns.
 */
import { lastAppliedAnnotation } from "../k8s/objects.js";
import { semanticEqual } from "../k8s/semantic.js";
import type { BuiltinDefault, Provenance } from "./types.js";

type Json = unknown;

/** The manager name kubectl uses for client-side apply; its changes follow the last-applied annotation. */
export const clientSideApplyManager = "kubectl-client-side-apply";

function get(root: Json, path: readonly string[]): Json {
  let node = root;
  for (const name of path) {
    if (node === null || typeof node !== "object" || Array.isArray(node)) return undefined;
    if (!Object.hasOwn(node, name)) return undefined;
    node = (node as Record<string, Json>)[name];
  }
  return node;
}

interface ManagedFieldsEntry {
  manager: string;
  operation: string;
  fieldsV1: Record<string, unknown>;
}

/** The object's managedFields entries that carry a field set; empty when it has none. */
function managedFieldsOf(object: Json): ManagedFieldsEntry[] {
  const entries = get(object, ["metadata", "managedFields"]);
  if (!Array.isArray(entries)) return [];
  const out: ManagedFieldsEntry[] = [];
  for (const entry of entries as Json[]) {
    if (entry === null || typeof entry !== "object") continue;
    const { manager, operation, fieldsV1 } = entry as Record<string, Json>;
    if (fieldsV1 === null || typeof fieldsV1 !== "object" || Array.isArray(fieldsV1)) continue;
    out.push({
      manager: typeof manager === "string" ? manager : "",
      operation: typeof operation === "string" ? operation : "",
      fieldsV1: fieldsV1 as Record<string, unknown>,
    });
  }
  return out;
}

/** Whether a `fieldsV1` set owns the field at `path` or something inside it. */
function owns(entry: ManagedFieldsEntry, path: readonly string[]): boolean {
  return get(entry.fieldsV1, path.map((name) => `f:${name}`)) !== undefined;
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
  return typeof builtinDefault === "function" ? builtinDefault(value) : semanticEqual(value, builtinDefault);
}

const absent = (value: Json): boolean => value === undefined || value === null;

/**
 * On CREATE every field is new: Apply entries list the user's fields exactly; else the last-applied manifest does;
 * with neither (`kubectl create`, a controller) a value equal to the built-in default counts as the API server's when
 * the policy overrides built-in defaults. Update entries are no evidence here: the creating manager owns the defaulted
 * fields too.
 */
function setOnCreate(object: Json, overrideBuiltinDefaults: boolean): Provenance["userSet"] {
  const applied = managedFieldsOf(object).filter((e) => e.operation === "Apply");
  const manifest = applied.length > 0 ? undefined : lastApplied(object);
  return (path, builtinDefault) => {
    const value = get(object, path);
    if (absent(value)) return false;
    if (applied.length > 0) return applied.some((entry) => owns(entry, path));
    if (manifest !== undefined) return get(manifest, path) != null;
    return !(isBuiltin(value, builtinDefault) && overrideBuiltinDefaults);
  };
}

/**
 * On UPDATE a default may fill a field that is absent, or replace a value this update brought only when the records
 * prove the API server filled it in: the user dropped the field from an applied manifest and it came back with the
 * built-in default. A value the update left as it was stays, whoever put it there (an earlier `kubectl patch` or
 * `kubectl edit`, a controller, an earlier default): those leave no trace in the apply records, so "not in the
 * manifest" must not be read as "not the user's".
 */
function setOnUpdate(object: Json, oldObject: Json): Provenance["userSet"] {
  const entries = managedFieldsOf(object);
  const manifest = lastApplied(object);
  const filledByServer = (path: readonly string[]): boolean => {
    if (entries.length === 0) {
      // No managedFields (stripped, or an API server before 1.18): the last-applied manifest alone.
      return manifest !== undefined && get(manifest, path) == null;
    }
    const owners = entries.filter((entry) => owns(entry, path));
    if (owners.some((entry) => entry.operation === "Apply")) return false;
    // A manager that wrote the object with `kubectl edit`, `kubectl patch`, `kubectl replace` or a controller owns the
    // value; whether it wrote the built-in value on purpose or dropped the field cannot be told apart.
    if (owners.some((entry) => entry.manager !== clientSideApplyManager)) return false;
    // Nobody owns it: server-side apply gave it up and the API server filled it in again.
    if (owners.length === 0) return true;
    return manifest !== undefined && get(manifest, path) == null;
  };
  return (path, builtinDefault) => {
    const value = get(object, path);
    if (absent(value)) return false;
    const before = get(oldObject, path);
    if (!absent(before) && semanticEqual(before, value)) return true;
    if (!isBuiltin(value, builtinDefault)) return true;
    return !filledByServer(path);
  };
}

/** `oldObject` is the stored object of an UPDATE, undefined on CREATE. */
export function provenanceOf(object: Json, overrideBuiltinDefaults: boolean, oldObject?: Json): Provenance {
  const userSet = absent(oldObject) ? setOnCreate(object, overrideBuiltinDefaults) : setOnUpdate(object, oldObject);
  return { userSet };
}
