import * as z from "zod";
import { FieldPath, forbidden } from "../../k8s/field.js";
import { defineRule } from "../../engine/types.js";
import { countOf, firstOrdinals, impactOf, type OrdinalSpan } from "../../k8s/rollout.js";
import type { StatefulSet } from "../../k8s/objects.js";
import type { ClusterView } from "../../cluster/view.js";

/** Claims named before the list is shortened: a warning has 256 characters. */
const maxNamed = 3;

/** Claims looked up one by one in the cluster view; a scale-down past that many is named from the templates. */
const maxLookups = 100;

/**
 * The claims of up to `limit` removed ordinals, `<template>-<statefulset>-<ordinal>`, in the order the pods are
 * deleted (highest ordinal first).
 */
export function claimsOfOrdinals(statefulSet: StatefulSet, spans: readonly OrdinalSpan[], limit: number): string[] {
  const name = statefulSet.metadata?.name ?? "";
  const templates = (statefulSet.spec?.volumeClaimTemplates ?? []).map((t) => t.metadata?.name).filter((t): t is string => !!t);
  return firstOrdinals(spans, limit, true).flatMap((ordinal) => templates.map((template) => `${template}-${name}-${ordinal}`));
}

/**
 * The claims of `names` that exist, when the view knows the namespace's claims; else every name, and why the view
 * could not tell.
 */
async function existing(cluster: ClusterView, namespace: string, names: readonly string[]) {
  const lookups = await Promise.all(names.map((name) => cluster.get("PersistentVolumeClaim", namespace, name)));
  const unknown = lookups.find((l) => l.state === "unknown");
  if (unknown?.state === "unknown") return { names: [...names], count: names.length, unverified: unknown.reason };
  const found = names.filter((_, i) => lookups[i]!.state === "found");
  return { names: found, count: found.length, unverified: undefined };
}

const listed = (names: readonly string[], count: number) =>
  count <= maxNamed ? `PVCs ${names.join(", ")}` : `${count} PVCs (${names.slice(0, maxNamed).join(", ")}, ...)`;

export const statefulSetProtectClaims = defineRule({
  id: "statefulset-protect-claims",
  summary:
    "A scale-down under persistentVolumeClaimRetentionPolicy.whenScaled: Delete names the PVCs the controller will delete with the removed pods.",
  rationale:
    "With whenScaled: Delete the StatefulSet controller deletes the claims of every pod a scale-down removes, <template>-<statefulset>-<ordinal>, and with a reclaimPolicy of Delete the volumes and their data go too. Scaling back up creates empty claims. The claims are named from the cluster view when it has them, else from the templates. A scale through the scale subresource (kubectl scale, a HorizontalPodAutoscaler) is not reviewed: the webhook is sent a Scale there, not the StatefulSet.",
  fix: "If the data must survive, set persistentVolumeClaimRetentionPolicy.whenScaled to Retain before scaling down (in the same update is enough: the controller reads the policy of the updated object). With action deny, a policy refuses such scale-downs until the policy is changed.",
  kinds: ["StatefulSet"],
  operations: ["UPDATE"],
  defaultAction: "warn",
  examples: [
    {
      title: "A scale-down from 5 to 3 under whenScaled: Delete",
      before:
        "spec:\n  replicas: 5\n  persistentVolumeClaimRetentionPolicy:\n    whenDeleted: Retain\n    whenScaled: Delete\nstatus:\n  replicas: 5\n  readyReplicas: 5\n  currentReplicas: 5\n  updatedReplicas: 5\n  availableReplicas: 5\n",
      after: "spec:\n  replicas: 3\n",
      cluster: "- {apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: www-web-0, namespace: default}, spec: {storageClassName: my-storage-class, resources: {requests: {storage: 1Gi}}}}\n- {apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: www-web-1, namespace: default}, spec: {storageClassName: my-storage-class, resources: {requests: {storage: 1Gi}}}}\n- {apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: www-web-2, namespace: default}, spec: {storageClassName: my-storage-class, resources: {requests: {storage: 1Gi}}}}\n- {apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: www-web-3, namespace: default}, spec: {storageClassName: my-storage-class, resources: {requests: {storage: 1Gi}}}}\n- {apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: www-web-4, namespace: default}, spec: {storageClassName: my-storage-class, resources: {requests: {storage: 1Gi}}}}\n",
      says: "spec.replicas: Forbidden: scaling 5 -> 3 under whenScaled: Delete deletes PVCs www-web-4, www-web-3 and their data; set whenScaled: Retain to keep them",
    },
  ],
  params: z.object({}),
  async check({ object, oldObject, namespace, cluster }) {
    if (!oldObject) return [];
    if (object.spec?.persistentVolumeClaimRetentionPolicy?.whenScaled !== "Delete") return [];
    const impact = impactOf(oldObject, object);
    if (!impact || impact.removed.length === 0 || !impact.replicas) return [];
    const templates = (object.spec?.volumeClaimTemplates ?? []).filter((t) => t.metadata?.name).length;
    const total = countOf(impact.removed) * templates;
    const claims =
      total <= maxLookups
        ? await existing(cluster, namespace, claimsOfOrdinals(object, impact.removed, total))
        : { names: claimsOfOrdinals(object, impact.removed, maxNamed), count: total, unverified: `more than ${maxLookups} claims` };
    if (claims.count === 0) return [];
    // The names come first and the reason a lookup failed last, where a warning cut at 256 characters loses it.
    const unverified = claims.unverified === undefined ? "" : ` (not verified: ${claims.unverified})`;
    return [
      forbidden(
        FieldPath.root("spec", "replicas"),
        `scaling ${impact.replicas.from} -> ${impact.replicas.to} under whenScaled: Delete deletes ${listed(claims.names, claims.count)} and their data; set whenScaled: Retain to keep them${unverified}`,
      ),
    ];
  },
  cel: { notExported: "it looks up the StatefulSet's PersistentVolumeClaims" },
});
