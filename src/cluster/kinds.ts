/**
 * The kinds the cluster view holds and what it keeps of each: a record reduced from the object (records.ts). How
 * Kubernetes names each kind (group, version, resource, plural) comes from the table of handled kinds, k8s/kinds.ts.
 */
import { defaultNamespace, type Kind, kindOf, kindOfResource, kinds } from "../k8s/kinds.js";
import {
  persistentVolumeClaimRecord,
  podDisruptionBudgetRecord,
  serviceRecord,
  statefulSetRecord,
  storageClassRecord,
} from "./records.js";

/** Reduces an object to its record; undefined when it is not one (wrong shape, no name). */
type RecordReducer<R = { name: string }> = (object: unknown, fallbackNamespace: string) => R | undefined;

/** Adding a kind to the view: its entry in k8s/kinds.ts, a reducer here, and its record's schema in records.ts. */
const viewRecords = {
  Service: serviceRecord,
  StorageClass: storageClassRecord,
  StatefulSet: statefulSetRecord,
  PersistentVolumeClaim: persistentVolumeClaimRecord,
  PodDisruptionBudget: podDisruptionBudgetRecord,
} as const satisfies Partial<Record<Kind, RecordReducer>>;

export type ClusterKind = keyof typeof viewRecords;
export const clusterKinds = Object.keys(viewRecords) as [ClusterKind, ...ClusterKind[]];

export type KindRecords = { [K in ClusterKind]: NonNullable<ReturnType<(typeof viewRecords)[K]>> };
export type ClusterRecord = KindRecords[ClusterKind];

/** A kind of the view as Kubernetes names it, with its reducer. */
export const kindInfo = Object.fromEntries(clusterKinds.map((kind) => [kind, { ...kinds[kind], record: viewRecords[kind] }])) as {
  [K in ClusterKind]: (typeof kinds)[K] & { record: RecordReducer<KindRecords[K]> };
};

const isClusterKind = (kind: Kind | undefined): kind is ClusterKind => kind !== undefined && Object.hasOwn(viewRecords, kind);

/** The API path that lists every object of `kind` in all namespaces, as a ServiceAccount with `list` may read it. */
export function listPath(kind: ClusterKind): string {
  const { group, version, resource } = kinds[kind];
  return group ? `/apis/${group}/${version}/${resource}` : `/api/${version}/${resource}`;
}

export const namespacedKey = (namespace: string, name: string) => `${namespace}/${name}`;

export function keyOf(kind: ClusterKind, record: ClusterRecord): string {
  return kinds[kind].namespaced ? namespacedKey((record as { namespace: string }).namespace, record.name) : record.name;
}

/** Reduces an object of `kind` to its record; undefined when it is not one (wrong shape, no name). */
export function recordOf<K extends ClusterKind>(kind: K, object: unknown, fallbackNamespace = defaultNamespace): KindRecords[K] | undefined {
  return (viewRecords[kind] as RecordReducer<KindRecords[K]>)(object, fallbackNamespace);
}

/** The kind an AdmissionReview's resource names, if it is one the view holds. */
export function clusterKindOfResource(group: string, resource: string): ClusterKind | undefined {
  const kind = kindOfResource(group, resource);
  return isClusterKind(kind) ? kind : undefined;
}

/**
 * The kind a List item or a manifest names by `apiVersion` and `kind` (k8s/kinds.ts's kindOf), in any version of its
 * group, if the view holds it.
 */
export function clusterKindOfObject(apiVersion: unknown, kind: unknown): ClusterKind | undefined {
  const named = kindOf({ apiVersion, kind });
  return named && named.apiVersion !== "other group" && isClusterKind(named.kind) ? named.kind : undefined;
}
