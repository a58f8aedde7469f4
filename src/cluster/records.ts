/**
 * Reduces full Kubernetes objects to the few fields the rules need, so a store never holds more than that; and the
 * schemas of those records, for a sync that sends records instead of objects.
 */
import { z } from "zod";
import {
  defaultStorageClassAnnotation,
  type LabelSelector,
  persistentVolumeClaimSchema,
  podDisruptionBudgetSchema,
  serviceSchema,
  statefulSetSchema,
  storageClassSchema,
} from "../k8s/objects.js";
import { claimStorageClass } from "../k8s/claims.js";
import { FieldPath } from "../k8s/field.js";
import type {
  PersistentVolumeClaimRecord,
  PodDisruptionBudgetRecord,
  ServiceRecord,
  StatefulSetRecord,
  StorageClassRecord,
} from "./view.js";

const maxNameLength = 253;
const maxSelectorEntries = 64;
const maxClaimTemplates = 64;
const maxAccessModes = 8;
const maxShortText = 32;

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
    templateLabels: clipMap(spec?.template?.metadata?.labels),
    claimTemplates: (spec?.volumeClaimTemplates ?? []).slice(0, maxClaimTemplates).flatMap((template) => {
      const name = clip(template.metadata?.name);
      if (!name) return [];
      const storage = template.spec?.resources?.requests?.storage;
      return [
        {
          name,
          storageClassName: clip(claimStorageClass({ claim: template, path: FieldPath.root(), template: true }).name),
          storage: storage === undefined ? null : clip(String(storage)),
          accessModes: accessModesOf(template.spec?.accessModes),
        },
      ];
    }),
  };
}

const accessModesOf = (modes: readonly string[] | null | undefined) =>
  (modes ?? []).slice(0, maxAccessModes).map((m) => m.slice(0, maxShortText));

export function persistentVolumeClaimRecord(object: unknown, fallbackNamespace = "default"): PersistentVolumeClaimRecord | undefined {
  const parsed = persistentVolumeClaimSchema.safeParse(object);
  if (!parsed.success || !parsed.data.metadata?.name) return undefined;
  const { metadata, spec } = parsed.data;
  const storage = spec?.resources?.requests?.storage;
  return {
    namespace: clip(metadata.namespace) ?? fallbackNamespace,
    name: clip(metadata.name)!,
    storageClassName: clip(claimStorageClass({ claim: parsed.data, path: FieldPath.root(), template: false }).name),
    storage: storage === undefined ? null : clip(String(storage)),
    accessModes: accessModesOf(spec?.accessModes),
    volumeName: clip(spec?.volumeName),
  };
}

function selectorRecord(selector: LabelSelector | null | undefined): PodDisruptionBudgetRecord["selector"] {
  if (!selector) return null;
  return {
    matchLabels: clipMap(selector.matchLabels) ?? {},
    matchExpressions: (selector.matchExpressions ?? []).slice(0, maxSelectorEntries).map(({ key, operator, values }) => ({
      key: key.slice(0, maxNameLength),
      operator: operator.slice(0, maxShortText),
      values: (values ?? []).slice(0, maxSelectorEntries).map((v) => v.slice(0, maxNameLength)),
    })),
  };
}

const intOrPercent = (value: number | string | null | undefined) =>
  value === null || value === undefined ? null : typeof value === "number" ? value : value.slice(0, maxShortText);

export function podDisruptionBudgetRecord(object: unknown, fallbackNamespace = "default"): PodDisruptionBudgetRecord | undefined {
  const parsed = podDisruptionBudgetSchema.safeParse(object);
  if (!parsed.success || !parsed.data.metadata?.name) return undefined;
  const { metadata, spec } = parsed.data;
  return {
    namespace: clip(metadata.namespace) ?? fallbackNamespace,
    name: clip(metadata.name)!,
    selector: selectorRecord(spec?.selector),
    minAvailable: intOrPercent(spec?.minAvailable),
    maxUnavailable: intOrPercent(spec?.maxUnavailable),
  };
}

const name = z.string().min(1).max(maxNameLength);
const text = z.string().max(maxNameLength);
const shortText = z.string().max(maxShortText);
const labels = z
  .record(text, text)
  .refine((map) => Object.keys(map).length <= maxSelectorEntries, `at most ${maxSelectorEntries} entries`);
const accessModes = z.array(shortText).max(maxAccessModes);

/** What a record of each kind may hold: exactly the fields the reducers above produce, within the same bounds. */
export const recordSchemas = {
  Service: z.strictObject({ namespace: name, name, clusterIP: text.nullable(), selector: labels.nullable() }),
  StorageClass: z.strictObject({
    name,
    provisioner: text.nullable(),
    allowVolumeExpansion: z.boolean().nullable(),
    isDefault: z.boolean(),
  }),
  StatefulSet: z.strictObject({
    namespace: name,
    name,
    templateLabels: labels.nullable(),
    claimTemplates: z
      .array(z.strictObject({ name, storageClassName: text.nullable(), storage: text.nullable(), accessModes }))
      .max(maxClaimTemplates),
  }),
  PersistentVolumeClaim: z.strictObject({
    namespace: name,
    name,
    storageClassName: text.nullable(),
    storage: text.nullable(),
    accessModes,
    volumeName: text.nullable(),
  }),
  PodDisruptionBudget: z.strictObject({
    namespace: name,
    name,
    selector: z
      .strictObject({
        matchLabels: labels,
        matchExpressions: z
          .array(z.strictObject({ key: text, operator: shortText, values: z.array(text).max(maxSelectorEntries) }))
          .max(maxSelectorEntries),
      })
      .nullable(),
    minAvailable: z.union([z.number().int(), shortText]).nullable(),
    maxUnavailable: z.union([z.number().int(), shortText]).nullable(),
  }),
} satisfies {
  Service: z.ZodType<ServiceRecord>;
  StorageClass: z.ZodType<StorageClassRecord>;
  StatefulSet: z.ZodType<StatefulSetRecord>;
  PersistentVolumeClaim: z.ZodType<PersistentVolumeClaimRecord>;
  PodDisruptionBudget: z.ZodType<PodDisruptionBudgetRecord>;
};
