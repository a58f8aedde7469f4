/**
 * The three kinds the cluster view holds, how Kubernetes names them (AdmissionReview resources, List items), and how
 * an object of each becomes a record with a key.
 */
import { serviceRecord, statefulSetRecord, storageClassRecord } from "./records.js";
import type { ServiceRecord, StatefulSetRecord, StorageClassRecord } from "./view.js";

export const clusterKinds = ["Service", "StorageClass", "StatefulSet"] as const;
export type ClusterKind = (typeof clusterKinds)[number];

export interface KindRecords {
  Service: ServiceRecord;
  StorageClass: StorageClassRecord;
  StatefulSet: StatefulSetRecord;
}
export type ClusterRecord = KindRecords[ClusterKind];

interface KindInfo {
  group: string;
  resource: string;
  /** Plural for messages, the way Kubernetes documentation writes it. */
  plural: string;
  namespaced: boolean;
}

export const kindInfo: Record<ClusterKind, KindInfo> = {
  Service: { group: "", resource: "services", plural: "Services", namespaced: true },
  StorageClass: { group: "storage.k8s.io", resource: "storageclasses", plural: "StorageClasses", namespaced: false },
  StatefulSet: { group: "apps", resource: "statefulsets", plural: "StatefulSets", namespaced: true },
};

export const namespacedKey = (namespace: string, name: string) => `${namespace}/${name}`;

export function keyOf(kind: ClusterKind, record: ClusterRecord): string {
  return kindInfo[kind].namespaced
    ? namespacedKey((record as ServiceRecord | StatefulSetRecord).namespace, record.name)
    : record.name;
}

/** Reduces an object of `kind` to its record; undefined when it is not one (wrong shape, no name). */
export function recordOf(kind: ClusterKind, object: unknown, fallbackNamespace = "default"): ClusterRecord | undefined {
  switch (kind) {
    case "Service":
      return serviceRecord(object, fallbackNamespace);
    case "StorageClass":
      return storageClassRecord(object);
    case "StatefulSet":
      return statefulSetRecord(object, fallbackNamespace);
  }
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

/** An object's `metadata.resourceVersion`, when it has one. */
export function resourceVersionOf(object: unknown): string | null {
  const metadata = (object as { metadata?: { resourceVersion?: unknown } } | null | undefined)?.metadata;
  const version = metadata?.resourceVersion;
  return typeof version === "string" && version.length > 0 && version.length <= 64 ? version : null;
}
