/** Reduces full Kubernetes objects to the few fields the rules need, so a store never holds more than that. */
import {
  defaultStorageClassAnnotation,
  serviceSchema,
  statefulSetSchema,
  storageClassSchema,
} from "../k8s/objects.js";
import { claimStorageClass } from "../k8s/claims.js";
import { FieldPath } from "../engine/field.js";
import type { ServiceRecord, StatefulSetRecord, StorageClassRecord } from "./view.js";

const maxNameLength = 253;
const maxSelectorEntries = 64;
const maxClaimTemplates = 64;

const clip = (value: string | null | undefined): string | null =>
  typeof value === "string" ? value.slice(0, maxNameLength) : null;

function clipMap(map: Record<string, string> | null | undefined): Record<string, string> | null {
  if (!map) return null;
  const entries = Object.entries(map).slice(0, maxSelectorEntries);
  return Object.fromEntries(entries.map(([k, v]) => [k.slice(0, maxNameLength), v.slice(0, maxNameLength)]));
}

/** Returns undefined when the object is not a Service with a name. */
export function serviceRecord(object: unknown, fallbackNamespace = "default"): ServiceRecord | undefined {
  const parsed = serviceSchema.safeParse(object);
  if (!parsed.success || !parsed.data.metadata?.name) return undefined;
  const { metadata, spec } = parsed.data;
  return {
    namespace: clip(metadata.namespace) ?? fallbackNamespace,
    name: clip(metadata.name)!,
    clusterIP: clip(spec?.clusterIP),
    selector: clipMap(spec?.selector),
  };
}

export function storageClassRecord(object: unknown): StorageClassRecord | undefined {
  const parsed = storageClassSchema.safeParse(object);
  if (!parsed.success || !parsed.data.metadata?.name) return undefined;
  const { metadata, provisioner, allowVolumeExpansion } = parsed.data;
  return {
    name: clip(metadata.name)!,
    provisioner: clip(provisioner),
    allowVolumeExpansion: allowVolumeExpansion ?? null,
    isDefault: metadata.annotations?.[defaultStorageClassAnnotation] === "true",
  };
}

export function statefulSetRecord(object: unknown, fallbackNamespace = "default"): StatefulSetRecord | undefined {
  const parsed = statefulSetSchema.safeParse(object);
  if (!parsed.success || !parsed.data.metadata?.name) return undefined;
  const { metadata, spec } = parsed.data;
  return {
    namespace: clip(metadata.namespace) ?? fallbackNamespace,
    name: clip(metadata.name)!,
    claimTemplates: (spec?.volumeClaimTemplates ?? []).slice(0, maxClaimTemplates).flatMap((template) => {
      const name = clip(template.metadata?.name);
      if (!name) return [];
      const storage = template.spec?.resources?.requests?.storage;
      return [
        {
          name,
          storageClassName: clip(claimStorageClass({ claim: template, path: FieldPath.root(), template: true }).name),
          storage: storage === undefined ? null : clip(String(storage)),
          accessModes: (template.spec?.accessModes ?? []).slice(0, 8).map((m) => m.slice(0, 32)),
        },
      ];
    }),
  };
}
