import * as z from "zod";
import { FieldPath, forbidden } from "../../k8s/field.js";
import { defineRule } from "../../engine/types.js";
import type { PersistentVolumeClaim, StatefulSet } from "../../k8s/objects.js";
import { claimStorageClass } from "../../k8s/claims.js";
import { type ClusterView, defaultStorageClasses } from "../../cluster/view.js";
import { ordinalRange } from "../../k8s/ordinals.js";
import { parseQuantity } from "../../k8s/quantity.js";
import { apiServerEquality, semanticEqual } from "../../k8s/semantic.js";
import { statefulSetMutableSpecFields, statefulSetUpdateForbidden, validateStatefulSetUpdate } from "../../k8s/validation/apps.js";

type Json = unknown;
const same = (a: Json, b: Json) => semanticEqual(a, b, apiServerEquality);

const storageOf = (template: PersistentVolumeClaim) => {
  const request = template.spec?.resources?.requests?.storage;
  return request === undefined ? undefined : parseQuantity(request);
};

/** A template without its storage request, as a resize leaves it; compared only once the update was found forbidden. */
function withoutStorage(t: PersistentVolumeClaim): Json {
  const { creationTimestamp: _, ...metadata } = (t.metadata ?? {}) as Record<string, Json>;
  const { storage: __, ...requests } = t.spec?.resources?.requests ?? {};
  return { metadata, spec: { ...t.spec, volumeMode: t.spec?.volumeMode ?? "Filesystem", resources: { ...t.spec?.resources, requests } } };
}

interface Resize {
  /** The templates whose request changed, with both sizes as written. */
  changed: { template: PersistentVolumeClaim; from: string; to: string; grows: boolean }[];
}

/** The change, when the templates differ only by their storage requests: a resize. */
function resizeOf(before: PersistentVolumeClaim[], after: PersistentVolumeClaim[]): Resize | undefined {
  if (before.length !== after.length) return undefined;
  const changed: Resize["changed"] = [];
  for (const [i, old] of before.entries()) {
    const updated = after[i]!;
    const was = storageOf(old);
    const now = storageOf(updated);
    if (was === undefined || now === undefined || !same(withoutStorage(old), withoutStorage(updated))) return undefined;
    if (was === now) continue;
    const written = (t: PersistentVolumeClaim) => String(t.spec?.resources?.requests?.storage);
    changed.push({ template: updated, from: written(old), to: written(updated), grows: now > was });
  }
  return changed.length > 0 ? { changed } : undefined;
}

/** Claims named one by one before a command loops over a range of ordinals. */
const maxNamedClaims = 3;

/** Whether the class of a template's claims lets them grow, as a sentence that opens the recipe; "" when it does. */
async function expansion(template: PersistentVolumeClaim, cluster: ClusterView): Promise<{ allows: boolean | undefined; says: string }> {
  const named = claimStorageClass({ claim: template, path: FieldPath.root(), template: true }).name;
  if (named === "") return { allows: false, says: 'its claims are bound statically (storageClassName: ""), and only a StorageClass can expand a volume' };
  let name = named;
  if (name === undefined) {
    const defaults = await defaultStorageClasses(cluster);
    if (defaults.state !== "found") return { allows: undefined, says: `whether the default StorageClass allows expansion could not be verified: ${defaults.state === "unknown" ? defaults.reason : "not found"}` };
    if (defaults.value.length !== 1) return { allows: undefined, says: "the template names no StorageClass and the cluster has no single default one to expand with" };
    name = defaults.value[0]!.name;
  }
  const lookup = await cluster.get("StorageClass", "", name);
  if (lookup.state === "unknown") return { allows: undefined, says: `whether StorageClass "${name}" allows expansion could not be verified: ${lookup.reason}` };
  if (lookup.state === "not-found") return { allows: false, says: `StorageClass "${name}" does not exist, so the claims cannot be expanded` };
  return lookup.value.allowVolumeExpansion === true
    ? { allows: true, says: `StorageClass "${name}" allows volume expansion` }
    : { allows: false, says: `StorageClass "${name}" does not allow volume expansion (allowVolumeExpansion is not true), so the claims cannot grow; only new claims of a class that does can` };
}

/**
 * What a resize of claim templates takes, said first whether it can be done at all: a shrink never can (a volume does
 * not shrink), a grow needs a class that allows expansion; then the commands, with the claims' real names.
 */
async function resizeRecipe(resize: Resize, old: StatefulSet, namespace: string, cluster: ClusterView): Promise<string> {
  const name = old.metadata?.name ?? "<name>";
  const shrunk = resize.changed.find((c) => !c.grows);
  if (shrunk) {
    return `${shrunk.template.metadata?.name ?? "a claim template"} shrinks from ${shrunk.from} to ${shrunk.to}, which is never possible: a volume cannot shrink; copy the data to new, smaller claims instead`;
  }
  const says: string[] = [];
  const commands: string[] = [];
  const { start, last } = ordinalRange(old);
  const ordinals = last - start + 1 <= maxNamedClaims ? Array.from({ length: last - start + 1 }, (_, i) => String(start + i)).join(" ") : `$(seq ${start} ${last})`;
  for (const { template, to } of resize.changed) {
    const { says: verdict } = await expansion(template, cluster);
    says.push(verdict);
    const claim = `${template.metadata?.name ?? ""}-${name}`;
    const patch = JSON.stringify({ spec: { resources: { requests: { storage: to } } } });
    commands.push(`for i in ${ordinals}; do kubectl -n ${namespace} patch pvc ${claim}-$i -p '${patch}'; done`);
  }
  return `${says.join("; ")}; to resize: ${commands.join("; ")}; kubectl -n ${namespace} delete statefulset ${name} --cascade=orphan; then re-apply the StatefulSet with the new size (pods and PVCs are kept and adopted)`;
}

async function howTo(path: FieldPath, object: StatefulSet, old: StatefulSet, namespace: string, cluster: ClusterView): Promise<string> {
  const name = object.metadata?.name ?? "<name>";
  const recreate = `kubectl delete statefulset ${name} --cascade=orphan`;
  const field = path.segments.at(-1);
  const resize = field?.type === "name" && field.name === "volumeClaimTemplates" ? resizeOf(old.spec?.volumeClaimTemplates ?? [], object.spec?.volumeClaimTemplates ?? []) : undefined;
  if (resize) return resizeRecipe(resize, old, namespace, cluster);
  return `to change it, ${recreate} and re-create it; pods and PVCs are kept`;
}

export const statefulSetImmutableFields = defineRule({
  id: "statefulset-immutable-fields",
  summary: `An update changes only the spec fields Kubernetes allows: ${statefulSetMutableSpecFields.join(", ")}.`,
  rationale:
    "The API server rejects any other change with one message for the whole spec. Stateward names the field, and says how the change is really made: volumeClaimTemplates, selector, serviceName, podManagementPolicy and revisionHistoryLimit are fixed for the StatefulSet's life.",
  fix: "A claim template's size cannot change, and a volume never shrinks. To grow: with a StorageClass that allows volume expansion, patch each PVC (kubectl patch pvc <template>-<statefulset>-<ordinal>; the denial lists the commands with the real claim names), then kubectl delete statefulset <name> --cascade=orphan and re-apply it with the new size; the pods and PVCs are kept and adopted. Other fields change the same way, by re-creating the StatefulSet.",
  kinds: ["StatefulSet"],
  operations: ["UPDATE"],
  defaultAction: "deny",
  examples: [
    {
      title: "A claim template grown from 1Gi to 2Gi, on a class that allows expansion",
      before: "spec:\n  volumeClaimTemplates:\n    - metadata:\n        name: www\n      spec:\n        resources:\n          requests:\n            storage: 1Gi\n",
      after: "spec:\n  volumeClaimTemplates:\n    - metadata:\n        name: www\n      spec:\n        resources:\n          requests:\n            storage: 2Gi\n",
      cluster: "- {apiVersion: storage.k8s.io/v1, kind: StorageClass, metadata: {name: my-storage-class}, provisioner: csi.example, allowVolumeExpansion: true}\n",
      says: `spec.volumeClaimTemplates: Forbidden: ${statefulSetUpdateForbidden}; StorageClass "my-storage-class" allows volume expansion; to resize: for i in 0 1 2; do kubectl -n default patch pvc www-web-$i -p '{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}'; done; kubectl -n default delete statefulset web --cascade=orphan; then re-apply the StatefulSet with the new size (pods and PVCs are kept and adopted)`,
    },
    {
      title: "A claim template shrunk",
      before: "spec:\n  volumeClaimTemplates:\n    - metadata:\n        name: www\n      spec:\n        resources:\n          requests:\n            storage: 1Gi\n",
      after: "spec:\n  volumeClaimTemplates:\n    - metadata:\n        name: www\n      spec:\n        resources:\n          requests:\n            storage: 500Mi\n",
      says: `spec.volumeClaimTemplates: Forbidden: ${statefulSetUpdateForbidden}; www shrinks from 1Gi to 500Mi, which is never possible: a volume cannot shrink; copy the data to new, smaller claims instead`,
    },
  ],
  params: z.object({}),
  async check({ object, oldObject, namespace, cluster }) {
    if (!oldObject) return [];
    // The verdict is the API server's validation (k8s/validation/apps.ts); the rule adds how the change is made.
    const errors = validateStatefulSetUpdate(object, oldObject);
    return Promise.all(errors.map(async ({ path, detail }) => forbidden(path, `${detail}; ${await howTo(path, object, oldObject, namespace, cluster)}`)));
  },
  cel: { notExported: "the API server refuses changes to immutable fields itself, and the rule looks up StorageClasses to tell a template resize apart" },
});
