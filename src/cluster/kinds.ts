/**
 * The kinds the cluster view holds, how Kubernetes names them (AdmissionReview resources, List items, API paths), and
 * how an object of each becomes a record with a key.
 */
import {
  persistentVolumeClaimRecord,
  podDisruptionBudgetRecord,
  serviceRecord,
  statefulSetRecord,
  storageClassRecord,
} from "./records.js";
import type {
  PersistentVolumeClaimRecord,
  PodDisruptionBudgetRecord,
  ServiceRecord,
  StatefulSetRecord,
  StorageClassRecord,
} from "./view.js";

export const clusterKinds = ["Service", "StorageClass", "StatefulSet", "PersistentVolumeClaim", "PodDisruptionBudget"] as const;
export type ClusterKind = (typeof clusterKinds)[number];

export interface KindRecords {
  Service: ServiceRecord;
  StorageClass: StorageClassRecord;
  StatefulSet: StatefulSetRecord;
  PersistentVolumeClaim: PersistentVolumeClaimRecord;
  PodDisruptionBudget: PodDisruptionBudgetRecord;
}
export type ClusterRecord = KindRecords[ClusterKind];

interface KindInfo {
  group: string;
  version: string;
  resource: string;
  /** Plural for messages, the way Kubernetes documentation writes it. */
  plural: string;
  namespaced: boolean;
  /** Reduces an object of this kind to its record; undefined when it is not one (wrong shape, no name). */
  record(object: unknown, fallbackNamespace: string): ClusterRecord | undefined;
}

export const kindInfo: Record<ClusterKind, KindInfo> = {
  Service: { group: "", version: "v1", resource: "services", plural: "Services", namespaced: true, record: serviceRecord },
  StorageClass: {
    group: "storage.k8s.io",
    version: "v1",
    resource: "storageclasses",
    plural: "StorageClasses",
    namespaced: false,
    record: storageClassRecord,
  },
  StatefulSet: { group: "apps", version: "v1", resource: "statefulsets", plural: "StatefulSets", namespaced: true, record: statefulSetRecord },
  PersistentVolumeClaim: {
    group: "",
    version: "v1",
    resource: "persistentvolumeclaims",
    plural: "PersistentVolumeClaims",
    namespaced: true,
    record: persistentVolumeClaimRecord,
  },
  PodDisruptionBudget: {
    group: "policy",
    version: "v1",
    resource: "poddisruptionbudgets",
    plural: "PodDisruptionBudgets",
    namespaced: true,
    record: podDisruptionBudgetRecord,
  },
};

/** The API path that lists every object of `kind` in all namespaces, as a ServiceAccount with `list` may read it. */
export function listPath(kind: ClusterKind): string {
  const { group, version, resource } = kindInfo[kind];
  return group ? `/apis/${group}/${version}/${resource}` : `/api/${version}/${resource}`;
}

export const namespacedKey = (namespace: string, name: string) => `${namespace}/${name}`;

export function keyOf(kind: ClusterKind, record: ClusterRecord): string {
  return kindInfo[kind].namespaced ? namespacedKey((record as { namespace: string }).namespace, record.name) : record.name;
}

/** Reduces an object of `kind` to its record; undefined when it is not one (wrong shape, no name). */
export function recordOf(kind: ClusterKind, object: unknown, fallbackNamespace = "default"): ClusterRecord | undefined {
  return kindInfo[kind].record(object, fallbackNamespace);
}

/** The kind an AdmissionReview's resource names, if it is one the view holds. */
export function kindOfResource(group: string, resource: string): ClusterKind | undefined {
  return clusterKinds.find((kind) => kindInfo[kind].group === group && kindInfo[kind].resource === resource);
}

/** The kind a List item names by `apiVersion` and `kind`, if it is one the view holds (any version of the group). */
export function kindOfItem(apiVersion: string, kind: string): ClusterKind | undefined {
  const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.lastIndexOf("/")) : "";
  return clusterKinds.find((k) => k === kind && kindInfo[k].group === group);
}
