/**
 * A small model of what the API server does to a StatefulSet before the mutating webhook sees it: the write itself
 * (client-side apply, server-side apply, merge patch, full update), the built-in defaults of apps/v1, and the
 * managedFields bookkeeping of k8s.io/apimachinery's field manager. It produces the `object` and `oldObject` of an
 * AdmissionRequest, so tests can replay everyday sequences (`kubectl patch`, then `kubectl apply`) step by step.
 *
 * Simplifications, none of which matter to the fields the defaults touch: lists are atomic in field sets (the real
 * manager keys some by name), and a merge patch replaces lists whole.
 */

type Json = any;

export const lastApplied = "kubectl.kubernetes.io/last-applied-configuration";

const isMap = (v: unknown): v is Record<string, Json> => typeof v === "object" && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => structuredClone(v);

/** apps/v1 SetDefaults_StatefulSet and the pod-template defaults of core/v1, the parts Stateward reads. */
export function applyBuiltinDefaults(object: Json): Json {
  const spec = (object.spec ??= {});
  spec.replicas ??= 1;
  spec.podManagementPolicy ??= "OrderedReady";
  spec.updateStrategy ??= {};
  spec.updateStrategy.type ??= "RollingUpdate";
  if (spec.updateStrategy.type === "RollingUpdate") {
    spec.updateStrategy.rollingUpdate ??= {};
    spec.updateStrategy.rollingUpdate.partition ??= 0;
  }
  spec.persistentVolumeClaimRetentionPolicy ??= {};
  spec.persistentVolumeClaimRetentionPolicy.whenDeleted ??= "Retain";
  spec.persistentVolumeClaimRetentionPolicy.whenScaled ??= "Retain";
  spec.revisionHistoryLimit ??= 10;
  const podSpec = (((spec.template ??= {}).spec ??= {}) as Json);
  podSpec.terminationGracePeriodSeconds ??= 30;
  podSpec.restartPolicy ??= "Always";
  podSpec.dnsPolicy ??= "ClusterFirst";
  podSpec.schedulerName ??= "default-scheduler";
  podSpec.securityContext ??= {};
  for (const claim of spec.volumeClaimTemplates ?? []) {
    claim.apiVersion ??= "v1";
    claim.kind ??= "PersistentVolumeClaim";
    (claim.spec ??= {}).volumeMode ??= "Filesystem";
  }
  return object;
}

/** Leaf paths of a value, as managedFields tracks them: maps are walked, lists and scalars are leaves. */
function leaves(value: Json, prefix: string[] = [], out: string[][] = []): string[][] {
  if (!isMap(value) || Object.keys(value).length === 0) {
    if (prefix.length > 0) out.push(prefix);
    return out;
  }
  for (const [key, child] of Object.entries(value)) leaves(child, [...prefix, key], out);
  return out;
}

const untracked = (path: string[]) =>
  path[0] === "status" ||
  (path[0] === "metadata" && ["managedFields", "resourceVersion", "uid", "generation", "creationTimestamp"].includes(path[1]!));

const key = (path: string[]) => JSON.stringify(path);
const get = (root: Json, path: string[]): Json => path.reduce((node, name) => (isMap(node) ? node[name] : undefined), root);
const same = (a: Json, b: Json) => JSON.stringify(a) === JSON.stringify(b);

function fieldSet(value: Json): Set<string> {
  return new Set(leaves(value).filter((p) => !untracked(p)).map(key));
}

function toFieldsV1(paths: Set<string>): Json {
  const root: Json = {};
  for (const text of paths) {
    let node = root;
    for (const name of JSON.parse(text) as string[]) node = node[`f:${name}`] ??= {};
  }
  return root;
}

function fromFieldsV1(fields: Json, prefix: string[] = [], out = new Set<string>()): Set<string> {
  const children = Object.keys(fields ?? {}).filter((k) => k.startsWith("f:"));
  if (children.length === 0) {
    if (prefix.length > 0) out.add(key(prefix));
    return out;
  }
  for (const child of children) fromFieldsV1(fields[child], [...prefix, child.slice(2)], out);
  return out;
}

interface Entry {
  manager: string;
  operation: "Update" | "Apply";
  fields: Set<string>;
}

function entriesOf(object: Json): Entry[] {
  return (object?.metadata?.managedFields ?? []).map((e: Json) => ({
    manager: e.manager,
    operation: e.operation,
    fields: fromFieldsV1(e.fieldsV1),
  }));
}

function writeEntries(object: Json, entries: Entry[]): void {
  object.metadata ??= {};
  object.metadata.managedFields = entries
    .filter((e) => e.fields.size > 0)
    .map((e) => ({
      manager: e.manager,
      operation: e.operation,
      apiVersion: "apps/v1",
      fieldsType: "FieldsV1",
      fieldsV1: toFieldsV1(e.fields),
    }));
}

function entryFor(entries: Entry[], manager: string, operation: Entry["operation"]): Entry {
  let entry = entries.find((e) => e.manager === manager && e.operation === operation);
  if (!entry) {
    entry = { manager, operation, fields: new Set() };
    entries.push(entry);
  }
  return entry;
}

/**
 * The Update operation of the field manager: it compares the stored object with the new one, both already defaulted,
 * gives the writer every field that was added or changed, and drops removed fields from every owner.
 */
function recordUpdate(live: Json | undefined, next: Json, manager: string): void {
  const entries = entriesOf(live);
  const before = live === undefined ? new Set<string>() : fieldSet(live);
  const after = fieldSet(next);
  const changed = [...after].filter((p) => !before.has(p) || !same(get(live, JSON.parse(p)), get(next, JSON.parse(p))));
  const removed = [...before].filter((p) => !after.has(p));
  for (const entry of entries) {
    for (const p of [...changed, ...removed]) entry.fields.delete(p);
  }
  const mine = entryFor(entries, manager, "Update");
  for (const p of changed) mine.fields.add(p);
  writeEntries(next, entries);
}

function metaOf(live: Json | undefined, next: Json): Json {
  if (live) {
    next.metadata = { ...next.metadata, uid: live.metadata.uid, creationTimestamp: live.metadata.creationTimestamp };
  } else {
    next.metadata = { ...next.metadata, uid: "7d1e3a52-6f0e-4f4b-9d0e-3c2b1a0f9e8d", creationTimestamp: "2026-11-22T10:00:00Z" };
  }
  return next;
}

export interface Step {
  /** The AdmissionRequest's operation. */
  operation: "CREATE" | "UPDATE";
  /** The object the webhook sees. */
  object: Json;
  /** The stored object, on UPDATE. */
  oldObject: Json | undefined;
}

/** One write through the model API server: what it hands the webhook, and (after admission) what it stores. */
function write(live: Json | undefined, next: Json, manager: string): Step {
  applyBuiltinDefaults(next);
  metaOf(live, next);
  recordUpdate(live, next, manager);
  return { operation: live ? "UPDATE" : "CREATE", object: next, oldObject: live && clone(live) };
}

/** `kubectl create -f` with a manifest. */
export const create = (manifest: Json, manager = "kubectl-create"): Step => write(undefined, clone(manifest), manager);

/** Removes from `target` the fields of `previous` that `manifest` no longer has (kubectl's three-way merge). */
function dropRemoved(target: Json, previous: Json, manifest: Json): void {
  for (const [name, value] of Object.entries(previous ?? {})) {
    if (!isMap(target)) return;
    if (manifest === undefined || !Object.hasOwn(manifest, name)) delete target[name];
    else if (isMap(value) && isMap(manifest[name])) dropRemoved(target[name], value, manifest[name]);
  }
}

/** Maps merge, everything else is replaced; `null` deletes (RFC 7386). */
function mergePatch(target: Json, patch: Json): Json {
  if (!isMap(patch)) return clone(patch);
  const out = isMap(target) ? target : {};
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete out[name];
    else out[name] = mergePatch(out[name], value);
  }
  return out;
}

/** `kubectl apply -f` (client-side): a three-way merge of the last-applied manifest, the live object and the new one. */
export function clientSideApply(live: Json | undefined, manifest: Json): Step {
  const annotated = clone(manifest);
  annotated.metadata = { ...annotated.metadata, annotations: { ...annotated.metadata?.annotations } };
  const text = JSON.stringify(manifest);
  if (!live) {
    annotated.metadata.annotations[lastApplied] = text;
    return write(undefined, annotated, "kubectl-client-side-apply");
  }
  const next = clone(live);
  const previous = JSON.parse(live.metadata?.annotations?.[lastApplied] ?? "{}");
  dropRemoved(next, previous, manifest);
  mergePatch(next, manifest);
  next.metadata.annotations = { ...next.metadata.annotations, [lastApplied]: text };
  return write(live, next, "kubectl-client-side-apply");
}

/** `kubectl patch --type merge -p PATCH` (a strategic merge patch behaves the same on the fields used here). */
export const patch = (live: Json, body: Json, manager = "kubectl-patch"): Step =>
  write(live, mergePatch(clone(live), body), manager);

/** `kubectl edit` or a controller's update: the client sends the whole object, changed by `change`. */
export function update(live: Json, change: (object: Json) => void, manager = "kubectl-edit"): Step {
  const next = clone(live);
  change(next);
  return write(live, next, manager);
}

/**
 * `kubectl apply --server-side --field-manager=MANAGER`: the manager's fields are exactly those of `config`; a field it
 * applied before and no longer applies is removed unless another manager owns it, and the API server then defaults
 * the result (what it fills in is owned by nobody).
 */
export function serverSideApply(live: Json | undefined, config: Json, manager = "kubectl"): Step {
  const entries = entriesOf(live);
  const applied = fieldSet(config);
  const mine = entryFor(entries, manager, "Apply");
  const next = live ? clone(live) : {};
  for (const p of mine.fields) {
    if (applied.has(p)) continue;
    if (entries.some((e) => e !== mine && e.fields.has(p))) continue;
    const path = JSON.parse(p) as string[];
    const parent = get(next, path.slice(0, -1));
    if (isMap(parent)) delete parent[path.at(-1)!];
  }
  mergePatch(next, clone(config));
  // Applying a value another manager set takes the field over (kubectl's --force-conflicts).
  for (const entry of entries) if (entry !== mine) for (const p of applied) entry.fields.delete(p);
  mine.fields = applied;
  applyBuiltinDefaults(next);
  metaOf(live, next);
  writeEntries(next, entries);
  return { operation: live ? "UPDATE" : "CREATE", object: next, oldObject: live && clone(live) };
}

/** What the API server stores after a step whose webhook answered with `patched` (or nothing). */
export function stored(step: Step, patched: Json = step.object): Json {
  return clone(patched);
}
