/**
 * The cluster view of an offline run: the other documents of the same run stand in for the cluster.
 *
 * Services and StatefulSets count as fully known, so a serviceName that no input defines gets the rules' "not found"
 * answer, as the issue asks: a StatefulSet and its Service are normally shipped together. StorageClasses count as
 * known only when the inputs define at least one: a manifest repository rarely holds its cluster's classes, and
 * "storage class not found" on every claim would be a wrong finding on nearly every real manifest.
 */
import { serviceRecord, statefulSetRecord, storageClassRecord } from "../cluster/records.js";
import {
  type ClusterView,
  emptyClusterView,
  memoryClusterView,
  type ServiceRecord,
  type StatefulSetRecord,
  type StorageClassRecord,
  unknown,
} from "../cluster/view.js";
import type { Manifest } from "./load.js";

export const clusterViewOffReason = "the cluster view is off (--cluster-view=off)";
export const noStorageClassesReason = "no StorageClass is defined in the checked files";

function apiGroup(apiVersion: unknown): string | undefined {
  if (typeof apiVersion !== "string") return undefined;
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/** The kind of a manifest within the groups Kubernetes serves it from; other groups' kinds of the same name differ. */
export function coreKind(object: { apiVersion?: unknown; kind?: unknown }): string | undefined {
  const group = apiGroup(object.apiVersion);
  switch (object.kind) {
    case "Service":
    case "PersistentVolumeClaim":
      return group === "" ? object.kind : undefined;
    case "StatefulSet":
      return group === "apps" ? object.kind : undefined;
    case "StorageClass":
      return group === "storage.k8s.io" ? object.kind : undefined;
    default:
      return undefined;
  }
}

export interface InputClusterOptions {
  enabled: boolean;
  /** The namespace of objects that do not name one. */
  namespace: string;
}

/** Only the objects of the manifests are read, so any list of parsed objects will do. */
export function inputClusterView(manifests: readonly Pick<Manifest, "object">[], options: InputClusterOptions): ClusterView {
  if (!options.enabled) return emptyClusterView(clusterViewOffReason);
  const services: ServiceRecord[] = [];
  const storageClasses: StorageClassRecord[] = [];
  const statefulSets: StatefulSetRecord[] = [];
  for (const { object } of manifests) {
    const kind = coreKind(object as Record<string, unknown>);
    if (kind === "Service") push(services, serviceRecord(object, options.namespace));
    else if (kind === "StorageClass") push(storageClasses, storageClassRecord(object));
    else if (kind === "StatefulSet") push(statefulSets, statefulSetRecord(object, options.namespace));
  }
  const view = memoryClusterView({
    services,
    statefulSets,
    ...(storageClasses.length > 0 ? { storageClasses } : {}),
  });
  if (storageClasses.length > 0) return view;
  const answer = async () => unknown(noStorageClassesReason);
  return { ...view, storageClass: answer, defaultStorageClasses: answer };
}

function push<T>(list: T[], record: T | undefined): void {
  if (record) list.push(record);
}
