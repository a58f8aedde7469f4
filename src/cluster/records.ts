/**
 * Reduces full Kubernetes objects to the few fields the rules need, so a store never holds more than that; and the
 * schemas of those records, for a sync that sends records instead of objects.
 */
import * as z from "zod";
import { acceptsOf } from "../k8s/accepts.js";
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
import { apiVersionOf, defaultNamespace, namespaceOr, type ReviewedKind } from "../k8s/kinds.js";
import type {
  AuditCopy,
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

/**
 * A label map cut to its bounds. A `__proto__` key is left out, as zod's record schema leaves it unchecked: JSON.parse
 * keeps one as an own property, whose value may be anything (the HTTP routes refuse it first; files and other sources
 * reach here too).
 */
function clipMap(map: Record<string, string> | null | undefined): Record<string, string> | null {
  if (!map) return null;
  const entries = Object.entries(map).filter(([k, v]) => k !== "__proto__" && typeof v === "string").slice(0, maxSelectorEntries);
  return Object.fromEntries(entries.map(([k, v]) => [k.slice(0, maxNameLength), v.slice(0, maxNameLength)]));
}

/**
 * The largest copy of one object the audit keeps, in bytes of JSON. Real StatefulSets and claims are a few KiB once
 * managedFields and the last-applied annotation are gone; 50,000 of each at this bound would still be 1.6 GiB, so the
 * bound is per object and docs/cluster-view.md gives the measured cost of real sizes.
 */
export const maxAuditCopyBytes = 16 * 1024;

/** Annotations that repeat the object (kubectl's client-side apply): the audit never reads them. */
const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

const utf8 = new TextEncoder();

/**
 * What the audit keeps of an object the webhook reviews (a StatefulSet, a claim, a budget): apiVersion and kind, the
 * metadata the rules read (name, namespace, uid, labels, annotations without the last-applied one) and the spec. No
 * managedFields, no status.
 */
export function auditCopy(kind: ReviewedKind, object: Record<string, unknown>, namespace: string): AuditCopy {
  const metadata = (object.metadata ?? {}) as Record<string, unknown>;
  const annotations = { ...(metadata.annotations as Record<string, string> | null | undefined) };
  delete annotations[lastAppliedAnnotation];
  const pruned = {
    apiVersion: apiVersionOf(kind),
    kind,
    metadata: {
      name: metadata.name,
      namespace,
      ...(typeof metadata.uid === "string" ? { uid: metadata.uid } : {}),
      ...(metadata.labels ? { labels: metadata.labels } : {}),
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    },
    ...(object.spec === undefined ? {} : { spec: object.spec }),
  };
  const json = JSON.stringify(pruned);
  // A string of n UTF-16 units is at most 3n bytes of UTF-8: only a long one needs encoding to be measured.
  const bytes = json.length * 3 <= maxAuditCopyBytes ? json.length : utf8.encode(json).length;
  if (bytes <= maxAuditCopyBytes) return { json };
  return typeof metadata.uid === "string" ? { tooLargeBytes: bytes, uid: metadata.uid.slice(0, maxNameLength) } : { tooLargeBytes: bytes };
}

/** A record as the rules' lookups return it: without the audit's copy of the object. */
export function withoutAuditCopy<R extends object>(record: R): R {
  if (!("audit" in record)) return record;
  const { audit: _, ...rest } = record as R & { audit?: AuditCopy };
  return rest as R;
}

/**
 * The object as its kind's schema reads it, or undefined when the schema refuses it. The schemas are loose and have no
 * defaults, so an accepted object reads as itself: zod's parsed copy of it (most of a record's cost) is not built.
 */
function readAs<T>(schema: z.ZodType<T>, object: unknown): { success: true; data: T } | { success: false } {
  return acceptsOf(schema)(object) ? { success: true, data: object as T } : { success: false };
}

/** Returns undefined when the object is not a Service with a name. */
export function serviceRecord(object: unknown, fallbackNamespace = defaultNamespace): ServiceRecord | undefined {
  const parsed = readAs(serviceSchema, object);
  if (!parsed.success || !parsed.data.metadata?.name) return undefined;
  const { metadata, spec } = parsed.data;
  return {
    namespace: namespaceOr(clip(metadata.namespace), fallbackNamespace),
    name: clip(metadata.name)!,
    clusterIP: clip(spec?.clusterIP),
    selector: clipMap(spec?.selector),
  };
}

export function storageClassRecord(object: unknown): StorageClassRecord | undefined {
  const parsed = readAs(storageClassSchema, object);
  if (!parsed.success || !parsed.data.metadata?.name) return undefined;
  const { metadata, provisioner, allowVolumeExpansion } = parsed.data;
  return {
    name: clip(metadata.name)!,
    provisioner: clip(provisioner),
    allowVolumeExpansion: allowVolumeExpansion ?? null,
    isDefault: metadata.annotations?.[defaultStorageClassAnnotation] === "true",
  };
}

/** `spec.replicas` as the API server stores it: 1 when unset; a value it would refuse is kept as 0, which no rule judges. */
const replicasOf = (replicas: number | null | undefined) =>
  replicas === null || replicas === undefined ? 1 : Number.isSafeInteger(replicas) && replicas > 0 ? replicas : 0;

export function statefulSetRecord(object: unknown, fallbackNamespace = defaultNamespace): StatefulSetRecord | undefined {
  const parsed = readAs(statefulSetSchema, object);
  if (!parsed.success || !parsed.data.metadata?.name) return undefined;
  const { metadata, spec } = parsed.data;
  const namespace = namespaceOr(clip(metadata.namespace), fallbackNamespace);
  return {
    namespace,
    name: clip(metadata.name)!,
    templateLabels: clipMap(spec?.template?.metadata?.labels),
    replicas: replicasOf(spec?.replicas),
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
    audit: auditCopy("StatefulSet", parsed.data, namespace),
  };
}

const accessModesOf = (modes: readonly string[] | null | undefined) =>
  (modes ?? []).slice(0, maxAccessModes).map((m) => m.slice(0, maxShortText));

export function persistentVolumeClaimRecord(object: unknown, fallbackNamespace = defaultNamespace): PersistentVolumeClaimRecord | undefined {
  const parsed = readAs(persistentVolumeClaimSchema, object);
  if (!parsed.success || !parsed.data.metadata?.name) return undefined;
  const { metadata, spec } = parsed.data;
  const storage = spec?.resources?.requests?.storage;
  const namespace = namespaceOr(clip(metadata.namespace), fallbackNamespace);
  return {
    namespace,
    name: clip(metadata.name)!,
    storageClassName: clip(claimStorageClass({ claim: parsed.data, path: FieldPath.root(), template: false }).name),
    storage: storage === undefined ? null : clip(String(storage)),
    accessModes: accessModesOf(spec?.accessModes),
    volumeName: clip(spec?.volumeName),
    audit: auditCopy("PersistentVolumeClaim", parsed.data, namespace),
  };
}

export function selectorRecord(selector: LabelSelector | null | undefined): PodDisruptionBudgetRecord["selector"] {
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

export const intOrPercent = (value: number | string | null | undefined) =>
  value === null || value === undefined ? null : typeof value === "number" ? value : value.slice(0, maxShortText);

export function podDisruptionBudgetRecord(object: unknown, fallbackNamespace = defaultNamespace): PodDisruptionBudgetRecord | undefined {
  const parsed = readAs(podDisruptionBudgetSchema, object);
  if (!parsed.success || !parsed.data.metadata?.name) return undefined;
  const { metadata, spec } = parsed.data;
  const namespace = namespaceOr(clip(metadata.namespace), fallbackNamespace);
  return {
    namespace,
    name: clip(metadata.name)!,
    selector: selectorRecord(spec?.selector),
    minAvailable: intOrPercent(spec?.minAvailable),
    maxUnavailable: intOrPercent(spec?.maxUnavailable),
    audit: auditCopy("PodDisruptionBudget", parsed.data, namespace),
  };
}

const name = z.string().min(1).max(maxNameLength);
const text = z.string().max(maxNameLength);
const shortText = z.string().max(maxShortText);
const labels = z
  .record(text, text)
  .refine((map) => Object.keys(map).length <= maxSelectorEntries, `at most ${maxSelectorEntries} entries`);
const accessModes = z.array(shortText).max(maxAccessModes);
const audit = z
  .union([
    z.strictObject({ json: z.string().max(maxAuditCopyBytes) }),
    z.strictObject({ tooLargeBytes: z.number().int().positive(), uid: text.optional() }),
    z.strictObject({ omittedBytes: z.number().int().positive(), uid: text.optional() }),
  ])
  .optional();

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
    replicas: z.number().int().nonnegative().optional(),
    claimTemplates: z
      .array(z.strictObject({ name, storageClassName: text.nullable(), storage: text.nullable(), accessModes }))
      .max(maxClaimTemplates),
    audit,
  }),
  PersistentVolumeClaim: z.strictObject({
    namespace: name,
    name,
    storageClassName: text.nullable(),
    storage: text.nullable(),
    accessModes,
    volumeName: text.nullable(),
    audit,
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
    audit,
  }),
} satisfies {
  Service: z.ZodType<ServiceRecord>;
  StorageClass: z.ZodType<StorageClassRecord>;
  StatefulSet: z.ZodType<StatefulSetRecord>;
  PersistentVolumeClaim: z.ZodType<PersistentVolumeClaimRecord>;
  PodDisruptionBudget: z.ZodType<PodDisruptionBudgetRecord>;
};
