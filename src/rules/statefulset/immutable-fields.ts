import * as z from "zod";
import { FieldPath, forbidden } from "../../k8s/field.js";
import { defineRule, type RuleIssue } from "../../engine/types.js";
import type { PersistentVolumeClaim, StatefulSet } from "../../k8s/objects.js";
import { statefulSetMutableSpecFields } from "../../k8s/invariants.js";
import { ordinalRange } from "../../k8s/ordinals.js";
import { parseQuantity } from "../../k8s/quantity.js";
import { semanticallyEqual } from "../../k8s/semantic.js";

/** The spec fields Kubernetes lets an update change, in its own order (the defaults' invariants use the same list). */
const mutableFields = statefulSetMutableSpecFields;
const reportOrder = ["selector", "serviceName", "volumeClaimTemplates", "podManagementPolicy"];

const kubernetesMessage = `updates to statefulset spec for fields other than ${mutableFields
  .slice(0, -1)
  .map((f) => `'${f}'`)
  .join(", ")} and '${mutableFields.at(-1)}' are forbidden`;

type Json = unknown;
const same = (a: Json, b: Json) => semanticallyEqual(a, b);

/**
 * A claim template as the update compares it: its metadata (without creationTimestamp) and spec. Its apiVersion, kind
 * and status are filled in by the API server and no user intent.
 */
function claimTemplate(template: PersistentVolumeClaim): Json {
  const { creationTimestamp: _, ...metadata } = (template.metadata ?? {}) as Record<string, Json>;
  const spec = (template.spec ?? {}) as Record<string, Json>;
  return { metadata, spec: { ...spec, volumeMode: spec.volumeMode ?? "Filesystem" } };
}

/**
 * Built-in defaults, so that an object that was never defaulted (offline, or stored by an old API server) compares
 * equal to its defaulted self.
 */
const builtinDefaults: Record<string, Json> = { podManagementPolicy: "OrderedReady" };
/** The API server defaults an empty string as it does a missing field. */
const defaulted = (field: string, value: Json): Json => (value === undefined || value === null || value === "" ? builtinDefaults[field] : value);

const storageOf = (template: PersistentVolumeClaim) => {
  const request = template.spec?.resources?.requests?.storage;
  return request === undefined ? undefined : parseQuantity(request);
};

/** Whether the templates differ only by larger storage requests: a resize, which has a known procedure. */
function onlyGrown(before: PersistentVolumeClaim[], after: PersistentVolumeClaim[]): boolean {
  if (before.length !== after.length) return false;
  return before.every((old, i) => {
    const updated = after[i]!;
    const was = storageOf(old);
    const now = storageOf(updated);
    if (was === undefined || now === undefined || now < was) return false;
    const withoutStorage = (t: PersistentVolumeClaim) => {
      const compared = claimTemplate(t) as { metadata: Json; spec: Record<string, Json> };
      const { storage: _, ...requests } = t.spec?.resources?.requests ?? {};
      return { ...compared, spec: { ...compared.spec, resources: { ...t.spec?.resources, requests } } };
    };
    return same(withoutStorage(old), withoutStorage(updated));
  });
}

function howTo(field: string, object: StatefulSet, old: StatefulSet): string {
  const name = object.metadata?.name ?? "<name>";
  const recreate = `kubectl delete statefulset ${name} --cascade=orphan`;
  const before = old.spec?.volumeClaimTemplates ?? [];
  const after = object.spec?.volumeClaimTemplates ?? [];
  if (field === "volumeClaimTemplates" && onlyGrown(before, after)) {
    const first = after[0]?.metadata?.name;
    const example = first ? ` (${first}-${name}-${ordinalRange(object).start}, ...)` : "";
    return `to resize, expand each PVC${example}, then ${recreate} and re-create it`;
  }
  return `to change it, ${recreate} and re-create it; pods and PVCs are kept`;
}

export const statefulSetImmutableFields = defineRule({
  id: "statefulset-immutable-fields",
  summary: `An update changes only the spec fields Kubernetes allows: ${mutableFields.join(", ")}.`,
  rationale:
    "The API server rejects any other change with one message for the whole spec. Stateward names the field, and says how the change is really made: volumeClaimTemplates, selector, serviceName and podManagementPolicy are fixed for the StatefulSet's life.",
  fix: "Resize claim templates by expanding each PVC (kubectl edit pvc <template>-<statefulset>-<ordinal>, with a StorageClass that allows expansion), then kubectl delete statefulset <name> --cascade=orphan and re-create it with the new template; the pods and PVCs are kept and adopted. Other fields change the same way, by re-creating the StatefulSet.",
  kinds: ["StatefulSet"],
  operations: ["UPDATE"],
  defaultAction: "deny",
  params: z.object({}),
  check({ kind, object, oldObject }) {
    if (kind !== "StatefulSet" || !oldObject) return [];
    const spec = (object.spec ?? {}) as Record<string, Json>;
    const oldSpec = (oldObject.spec ?? {}) as Record<string, Json>;
    const fields = new Set([...Object.keys(spec), ...Object.keys(oldSpec)]);
    for (const mutable of mutableFields) fields.delete(mutable);
    const rank = (f: string) => (reportOrder.includes(f) ? reportOrder.indexOf(f) : reportOrder.length);
    const ordered = [...fields].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
    const issues: RuleIssue[] = [];
    for (const field of ordered) {
      const changed =
        field === "volumeClaimTemplates"
          ? !same((object.spec?.volumeClaimTemplates ?? []).map(claimTemplate), (oldObject.spec?.volumeClaimTemplates ?? []).map(claimTemplate))
          : !same(defaulted(field, spec[field]), defaulted(field, oldSpec[field]));
      if (!changed) continue;
      issues.push(forbidden(FieldPath.root("spec", field), `${kubernetesMessage}; ${howTo(field, object, oldObject)}`));
    }
    return issues;
  },
});
