/**
 * The cluster view: what Stateward knows of objects other than the one under review. Every lookup answers found,
 * not found, or unknown; "not found" is claimed only for a kind whose full list the view has seen.
 */

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
}

export interface ClusterView {
  /**
   * Answers from this process's memory, so no lookup can be slow: it is not raced against a timer (a timer per lookup
   * cost more than the lookup itself, bench/), only kept from failing the review.
   */
  readonly local?: boolean;
  service(namespace: string, name: string): Promise<Lookup<ServiceRecord>>;
  storageClass(name: string): Promise<Lookup<StorageClassRecord>>;
  /** The classes marked default; found with an empty list means the cluster has none. */
  defaultStorageClasses(): Promise<Lookup<StorageClassRecord[]>>;
  statefulSet(namespace: string, name: string): Promise<Lookup<StatefulSetRecord>>;
  persistentVolumeClaim(namespace: string, name: string): Promise<Lookup<PersistentVolumeClaimRecord>>;
  /** Every PodDisruptionBudget of a namespace (at most `maxBudgetsPerNamespace`). */
  podDisruptionBudgets(namespace: string): Promise<Lookup<PodDisruptionBudgetRecord[]>>;
  /** Every StatefulSet of a namespace (at most `maxStatefulSetsPerNamespace`), for what a budget selects. */
  statefulSets(namespace: string): Promise<Lookup<StatefulSetRecord[]>>;
  /**
   * The names of a namespace's Services (at most `maxServiceNames`), for a view that can list them: the inputs of
   * `stateward check`, the cluster store. A view that cannot leaves it out. Used only to suggest the Service a
   * misspelt serviceName meant.
   */
  serviceNames?(namespace: string): Promise<Lookup<string[]>>;
}

/** More budgets than this in one namespace answer unknown: no rule needs to read a thousand. */
export const maxBudgetsPerNamespace = 1_000;

/** More StatefulSets than this in one namespace answer unknown, as budgets do. */
export const maxStatefulSetsPerNamespace = 1_000;

/** More Services than this in one namespace answer unknown: a suggestion is not worth comparing with each of them. */
export const maxServiceNames = 1_000;

export const unknown = (reason: string) => ({ state: "unknown", reason }) as const;

/** A view that knows nothing: every lookup is unknown. */
export function emptyClusterView(reason = "no cluster view is configured"): ClusterView {
  const answer = async () => unknown(reason);
  return {
    local: true,
    service: answer,
    storageClass: answer,
    defaultStorageClasses: answer,
    statefulSet: answer,
    persistentVolumeClaim: answer,
    podDisruptionBudgets: answer,
    statefulSets: answer,
  };
}

export interface ClusterSnapshot {
  services?: ServiceRecord[];
  storageClasses?: StorageClassRecord[];
  statefulSets?: StatefulSetRecord[];
  persistentVolumeClaims?: PersistentVolumeClaimRecord[];
  podDisruptionBudgets?: PodDisruptionBudgetRecord[];
}

/**
 * An in-memory view over plain records. A kind left out of the snapshot is unknown (never synced); a kind given as an
 * empty list is known to be empty.
 */
export function memoryClusterView(snapshot: ClusterSnapshot): ClusterView {
  const key = (namespace: string, name: string) => `${namespace}/${name}`;
  const services = snapshot.services && new Map(snapshot.services.map((s) => [key(s.namespace, s.name), s]));
  const classes = snapshot.storageClasses && new Map(snapshot.storageClasses.map((s) => [s.name, s]));
  const statefulSets = snapshot.statefulSets && new Map(snapshot.statefulSets.map((s) => [key(s.namespace, s.name), s]));
  const claims = snapshot.persistentVolumeClaims && new Map(snapshot.persistentVolumeClaims.map((c) => [key(c.namespace, c.name), c]));
  const budgets = snapshot.podDisruptionBudgets;
  const neverSynced = (kind: string) => unknown(`${kind} have not been synced to the cluster view`);
  function find<T>(map: Map<string, T> | undefined, k: string, kind: string): Lookup<T> {
    if (!map) return neverSynced(kind);
    const value = map.get(k);
    return value ? { state: "found", value } : { state: "not-found" };
  }
  return {
    local: true,
    service: async (namespace, name) => find(services, key(namespace, name), "Services"),
    storageClass: async (name) => find(classes, name, "StorageClasses"),
    defaultStorageClasses: async () =>
      classes ? { state: "found", value: [...classes.values()].filter((c) => c.isDefault) } : neverSynced("StorageClasses"),
    statefulSet: async (namespace, name) => find(statefulSets, key(namespace, name), "StatefulSets"),
    persistentVolumeClaim: async (namespace, name) => find(claims, key(namespace, name), "PersistentVolumeClaims"),
    podDisruptionBudgets: async (namespace) =>
      budgets ? { state: "found", value: budgets.filter((b) => b.namespace === namespace) } : neverSynced("PodDisruptionBudgets"),
    statefulSets: async (namespace) =>
      snapshot.statefulSets
        ? { state: "found", value: snapshot.statefulSets.filter((s) => s.namespace === namespace) }
        : neverSynced("StatefulSets"),
    serviceNames: async (namespace) =>
      snapshot.services
        ? { state: "found", value: snapshot.services.filter((s) => s.namespace === namespace).map((s) => s.name) }
        : neverSynced("Services"),
  };
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
    service: wrap(view.service.bind(view)),
    storageClass: wrap(view.storageClass.bind(view)),
    defaultStorageClasses: wrap(view.defaultStorageClasses.bind(view)),
    statefulSet: wrap(view.statefulSet.bind(view)),
    persistentVolumeClaim: wrap(view.persistentVolumeClaim.bind(view)),
    podDisruptionBudgets: wrap(view.podDisruptionBudgets.bind(view)),
    statefulSets: wrap(view.statefulSets.bind(view)),
    ...(view.serviceNames ? { serviceNames: wrap(view.serviceNames.bind(view)) } : {}),
  };
}
