/**
 * The cluster view: what Stateward knows of objects other than the one under review. Every lookup answers found,
 * not found, or unknown; "not found" is claimed only for a kind whose full list the view has seen.
 */
import { kinds } from "../k8s/kinds.js";
import { type ClusterKind, type ClusterRecord, clusterKinds, type KindRecords, keyOf, namespacedKey } from "./kinds.js";


export type Lookup<T> =
  | { state: "found"; value: T }
  | { state: "not-found" }
  | { state: "unknown"; reason: string };

export interface ServiceRecord {
  namespace: string;
  name: string;
  clusterIP: string | null;
  selector: Record<string, string> | null;
}

export interface StorageClassRecord {
  name: string;
  provisioner: string | null;
  allowVolumeExpansion: boolean | null;
  isDefault: boolean;
}

export interface ClaimTemplateRecord {
  name: string;
  storageClassName: string | null;
  storage: string | null;
  accessModes: string[];
}

/**
 * What an audit reads of an object the webhook reviews: the object pruned to what the rules read (`auditCopy` in
 * records.ts), kept as JSON text: one string per object, not a tree of small objects on the heap. An object whose
 * copy would exceed the bound keeps its size (and uid) instead, so the audit reports it as not audited rather than
 * dropping it; so does one that a store's memory budget for copies had no room for (`omittedBytes`).
 */
export type AuditCopy = { json: string } | { tooLargeBytes: number; uid?: string } | { omittedBytes: number; uid?: string };

export interface StatefulSetRecord {
  namespace: string;
  name: string;
  /** The pod template's labels: what a PodDisruptionBudget or a Service selects. */
  templateLabels: Record<string, string> | null;
  /** `spec.replicas`, 1 when unset as the API server defaults it. Absent in records written before it existed. */
  replicas?: number;
  claimTemplates: ClaimTemplateRecord[];
  /** For the audit only: the store's lookups leave it out. Absent in records written before it existed. */
  audit?: AuditCopy;
}

export interface PersistentVolumeClaimRecord {
  namespace: string;
  name: string;
  storageClassName: string | null;
  /** `spec.resources.requests.storage`, as written. */
  storage: string | null;
  accessModes: string[];
  volumeName: string | null;
  /** For the audit only, as on `StatefulSetRecord`. */
  audit?: AuditCopy;
}

export interface SelectorRequirementRecord {
  key: string;
  operator: string;
  values: string[];
}

export interface PodDisruptionBudgetRecord {
  namespace: string;
  name: string;
  /** Null selects nothing (policy/v1: an empty selector selects every pod of the namespace, and is `{}` here). */
  selector: { matchLabels: Record<string, string>; matchExpressions: SelectorRequirementRecord[] } | null;
  minAvailable: number | string | null;
  maxUnavailable: number | string | null;
  /** For the audit only, as on `StatefulSetRecord`. */
  audit?: AuditCopy;
}

export interface ClusterView {
  /**
   * Answers from this process's memory, so no lookup can be slow: it is not raced against a timer (a timer per lookup
   * cost more than the lookup itself, bench/), only kept from failing the review.
   */
  readonly local?: boolean;
  /** One object of `kind`; `namespace` is ignored for a cluster-scoped kind (StorageClass: pass ""). */
  get<K extends ClusterKind>(kind: K, namespace: string, name: string): Promise<Lookup<KindRecords[K]>>;
  /**
   * Every object of `kind` in `namespace` (in the cluster, for a cluster-scoped kind), in no promised order; more than
   * `maxListed` answer unknown.
   */
  list<K extends ClusterKind>(kind: K, namespace: string): Promise<Lookup<KindRecords[K][]>>;
}

/**
 * More objects than this of one kind in one namespace answer unknown: no rule needs to read a thousand budgets, and a
 * suggestion for a misspelt name is not worth comparing with a thousand Services.
 */
export const maxListed = 1_000;

export const unknown = (reason: string) => ({ state: "unknown", reason }) as const;

/** Why a list of `kind` is too long to answer. */
export function tooMany(kind: ClusterKind, namespace: string): Lookup<never> {
  const { plural, namespaced } = kinds[kind];
  return unknown(`${namespaced ? `namespace ${namespace}` : "the cluster"} has more than ${maxListed} ${plural}`);
}

/** The classes marked default; found with an empty list means the cluster has none. */
export async function defaultStorageClasses(view: ClusterView): Promise<Lookup<StorageClassRecord[]>> {
  const classes = await view.list("StorageClass", "");
  return classes.state === "found" ? { state: "found", value: classes.value.filter((c) => c.isDefault) } : classes;
}

/** A view that knows nothing: every lookup is unknown. */
export function emptyClusterView(reason = "no cluster view is configured"): ClusterView {
  const answer = async () => unknown(reason);
  return { local: true, get: answer, list: answer };
}

/** Records by kind; a kind left out is unknown (never synced), a kind given as an empty list is known to be empty. */
export type RecordsByKind = { [K in ClusterKind]?: readonly KindRecords[K][] };

/**
 * An in-memory view over plain records: the inputs of `stateward check`, the live objects of `stateward plan`, tests.
 * A kind left out answers unknown, with its reason from `unknownReasons` if given.
 */
export function recordsClusterView(records: RecordsByKind, unknownReasons: Partial<Record<ClusterKind, string>> = {}): ClusterView {
  const byKey = new Map<ClusterKind, Map<string, ClusterRecord>>();
  for (const kind of clusterKinds) {
    const held = records[kind] as readonly ClusterRecord[] | undefined;
    if (held) byKey.set(kind, new Map(held.map((record) => [keyOf(kind, record), record])));
  }
  const notHeld = (kind: ClusterKind) => unknown(unknownReasons[kind] ?? `${kinds[kind].plural} have not been synced to the cluster view`);
  return {
    local: true,
    async get(kind, namespace, name) {
      const held = byKey.get(kind);
      if (!held) return notHeld(kind);
      const value = held.get(kinds[kind].namespaced ? namespacedKey(namespace, name) : name);
      return value ? { state: "found", value: value as KindRecords[typeof kind] } : { state: "not-found" };
    },
    async list(kind, namespace) {
      const held = records[kind] as readonly KindRecords[typeof kind][] | undefined;
      if (!held) return notHeld(kind);
      const value = kinds[kind].namespaced ? held.filter((r) => (r as { namespace: string }).namespace === namespace) : [...held];
      return value.length > maxListed ? tooMany(kind, namespace) : { state: "found", value };
    },
  };
}

export interface ClusterSnapshot {
  services?: ServiceRecord[];
  storageClasses?: StorageClassRecord[];
  statefulSets?: StatefulSetRecord[];
  persistentVolumeClaims?: PersistentVolumeClaimRecord[];
  podDisruptionBudgets?: PodDisruptionBudgetRecord[];
}

/** `recordsClusterView` over a snapshot named by plurals, as tests write one. */
export function memoryClusterView(snapshot: ClusterSnapshot): ClusterView {
  const records: RecordsByKind = {};
  if (snapshot.services) records.Service = snapshot.services;
  if (snapshot.storageClasses) records.StorageClass = snapshot.storageClasses;
  if (snapshot.statefulSets) records.StatefulSet = snapshot.statefulSets;
  if (snapshot.persistentVolumeClaims) records.PersistentVolumeClaim = snapshot.persistentVolumeClaims;
  if (snapshot.podDisruptionBudgets) records.PodDisruptionBudget = snapshot.podDisruptionBudgets;
  return recordsClusterView(records);
}

/**
 * Bounds every lookup of `view` by `timeoutMs`, and turns a failing store into "unknown", so a slow or broken store
 * can never hold admission past the webhook's timeout. A local view is only kept from failing. The bounded view of a
 * view is made once per timeout and kept, rather than once per review.
 */
export function boundedClusterView(view: ClusterView, timeoutMs: number): ClusterView {
  let byTimeout = boundedViews.get(view);
  if (!byTimeout) boundedViews.set(view, (byTimeout = new Map()));
  let bounded = byTimeout.get(timeoutMs);
  if (!bounded) byTimeout.set(timeoutMs, (bounded = bind(view, timeoutMs)));
  return bounded;
}

const boundedViews = new WeakMap<ClusterView, Map<number, ClusterView>>();

const failed = (error: unknown) => unknown(`the cluster view failed: ${String(error)}`);

function bind(view: ClusterView, timeoutMs: number): ClusterView {
  function contained<A extends unknown[], T>(lookup: (...args: A) => Promise<Lookup<T>>) {
    return (...args: A): Promise<Lookup<T>> => {
      try {
        return lookup(...args).catch(failed);
      } catch (error) {
        return Promise.resolve(failed(error));
      }
    };
  }
  function bound<A extends unknown[], T>(lookup: (...args: A) => Promise<Lookup<T>>) {
    return async (...args: A): Promise<Lookup<T>> => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<Lookup<T>>((resolve) => {
        timer = setTimeout(() => resolve(unknown(`the cluster view did not answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        return await Promise.race([
          // A store that throws synchronously is contained too, not only one that rejects.
          Promise.resolve()
            .then(() => lookup(...args))
            .catch(failed),
          timeout,
        ]);
      } finally {
        clearTimeout(timer);
      }
    };
  }
  const wrap = view.local ? contained : bound;
  return {
    ...(view.local ? { local: true } : {}),
    get: wrap(view.get.bind(view)) as ClusterView["get"],
    list: wrap(view.list.bind(view)) as ClusterView["list"],
  };
}
