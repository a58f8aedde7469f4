/**
 * The cluster view of an offline run: the other documents of the same run stand in for the cluster.
 *
 * Services, StatefulSets and PodDisruptionBudgets count as fully known, so a serviceName that no input defines gets the
 * rules' "not found" answer, as does a replicated StatefulSet that no input's budget selects: a StatefulSet, its Service
 * and its budget are normally shipped together (a Helm chart's templates, a kustomization). StorageClasses count as
 * known only when the inputs define at least one: a manifest repository rarely holds its cluster's classes, and
 * "storage class not found" on every claim would be a wrong finding on nearly every real manifest.
 */
import { type ClusterKind, clusterKindOfObject, clusterKinds, type KindRecords, recordOf } from "../cluster/kinds.js";
import { type ClusterView, emptyClusterView, recordsClusterView } from "../cluster/view.js";
import type { Manifest } from "./load.js";

export const clusterViewOffReason = "the cluster view is off (--cluster-view=off)";
export const noStorageClassesReason = "no StorageClass is defined in the checked files";

export interface InputClusterOptions {
  enabled: boolean;
  /** The namespace of objects that do not name one. */
  namespace: string;
}

/** The cluster view's records of the manifests, by kind; a kind no manifest holds is absent. */
export function recordsByKind(manifests: readonly Pick<Manifest, "object">[], namespace: string): Partial<{ [K in ClusterKind]: KindRecords[K][] }> {
  const records: Partial<{ [K in ClusterKind]: KindRecords[K][] }> = {};
  for (const { object } of manifests) {
    const { apiVersion, kind: named } = object as Record<string, unknown>;
    const kind = clusterKindOfObject(apiVersion, named);
    if (!kind) continue;
    const record = recordOf(kind, object, namespace);
    if (record) ((records[kind] ??= []) as (typeof record)[]).push(record);
  }
  return records;
}

/**
 * The objects as a whole cluster, as a List synced to the store (PUT /inventory) makes it: every kind is known, and one
 * none of them is is known to be empty. `stateward audit` judges against this, so that it finds what GET /audit finds.
 */
export function clusterListView(manifests: readonly Pick<Manifest, "object">[], namespace: string): ClusterView {
  const records = recordsByKind(manifests, namespace);
  return recordsClusterView(Object.fromEntries(clusterKinds.map((kind) => [kind, records[kind] ?? []])));
}

/** Only the objects of the manifests are read, so any list of parsed objects will do. */
export function inputClusterView(manifests: readonly Pick<Manifest, "object">[], options: InputClusterOptions): ClusterView {
  if (!options.enabled) return emptyClusterView(clusterViewOffReason);
  const records = recordsByKind(manifests, options.namespace);
  return recordsClusterView(
    { Service: [], StatefulSet: [], PodDisruptionBudget: [], ...records },
    { StorageClass: noStorageClassesReason },
  );
}
