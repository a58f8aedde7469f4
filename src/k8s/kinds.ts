/**
 * Every kind Stateward handles, declared once: how Kubernetes names it (group, version, resource), the loose schema
 * Stateward reads it with, and whether the webhook reviews it. The admission handler, the command line's loader, the
 * cluster view (which adds what it keeps of each kind, in cluster/kinds.ts) and the tests all derive from this table.
 */
import type * as z from "zod";
import type { ClaimAt } from "./claims.js";
import { FieldPath } from "./field.js";
import {
  type PersistentVolumeClaim,
  type PodTemplate,
  type StatefulSet,
  persistentVolumeClaimSchema,
  podDisruptionBudgetSchema,
  serviceSchema,
  statefulSetSchema,
  storageClassSchema,
} from "./objects.js";

/** Where a kind keeps its pod template: its path, and how to read it from a decoded object. */
interface PodTemplateField<O> {
  path: FieldPath;
  of(object: O): PodTemplate | null | undefined;
}

interface KindDefinition {
  group: string;
  version: string;
  /** The resource of AdmissionReview requests and RBAC rules. */
  resource: string;
  /** Plural for messages, the way Kubernetes documentation writes it. */
  plural: string;
  namespaced: boolean;
  schema: z.ZodType;
  /** Whether /validate and /mutate review objects of this kind; the others are only looked up in the cluster view. */
  reviewed: boolean;
  /**
   * The pod template of the kinds that have one, as kube-score's PodSpecer: rules read pods through podTemplateOf, so
   * a Deployment-like kind is one more entry. (`never`: each entry reads its own kind's objects.)
   */
  podTemplate?: PodTemplateField<never>;
  /** The claims an object of this kind makes, each with its path: read through claimsOf. */
  claims?(object: never): ClaimAt[];
}

const statefulSetClaimTemplates = FieldPath.root("spec", "volumeClaimTemplates");

export const kinds = {
  StatefulSet: {
    group: "apps",
    version: "v1",
    resource: "statefulsets",
    plural: "StatefulSets",
    namespaced: true,
    schema: statefulSetSchema,
    reviewed: true,
    podTemplate: {
      path: FieldPath.root("spec", "template"),
      of: (statefulSet: StatefulSet) => statefulSet.spec?.template,
    },
    // Each volumeClaimTemplate, from which the controller makes one PVC per pod.
    claims: (statefulSet: StatefulSet) =>
      (statefulSet.spec?.volumeClaimTemplates ?? []).map((claim, i) => ({
        claim,
        path: statefulSetClaimTemplates.index(i),
        template: true,
      })),
  },
  PersistentVolumeClaim: {
    group: "",
    version: "v1",
    resource: "persistentvolumeclaims",
    plural: "PersistentVolumeClaims",
    namespaced: true,
    schema: persistentVolumeClaimSchema,
    reviewed: true,
    claims: (claim: PersistentVolumeClaim) => [{ claim, path: FieldPath.root(), template: false }],
  },
  Service: {
    group: "",
    version: "v1",
    resource: "services",
    plural: "Services",
    namespaced: true,
    schema: serviceSchema,
    reviewed: false,
  },
  StorageClass: {
    group: "storage.k8s.io",
    version: "v1",
    resource: "storageclasses",
    plural: "StorageClasses",
    namespaced: false,
    schema: storageClassSchema,
    reviewed: false,
  },
  PodDisruptionBudget: {
    group: "policy",
    version: "v1",
    resource: "poddisruptionbudgets",
    plural: "PodDisruptionBudgets",
    namespaced: true,
    schema: podDisruptionBudgetSchema,
    reviewed: true,
  },
} as const satisfies Record<string, KindDefinition>;

export type Kind = keyof typeof kinds;
export const kindNames = Object.keys(kinds) as Kind[];

/** The kinds the webhook reviews (`rule.kinds`, `DecodedObjects.kind`). */
export type ReviewedKind = { [K in Kind]: (typeof kinds)[K]["reviewed"] extends true ? K : never }[Kind];
export const reviewedKinds = kindNames.filter((kind): kind is ReviewedKind => kinds[kind].reviewed);

/** An object of `kind` as its schema reads it. */
export type ObjectOf<K extends Kind> = z.infer<(typeof kinds)[K]["schema"]>;

/** An object under review, narrowed by its kind. */
export type ReviewedObject = { [K in ReviewedKind]: { kind: K; object: ObjectOf<K> } }[ReviewedKind];

/** The kinds whose objects carry a pod template. */
export type PodTemplateKind = { [K in Kind]: (typeof kinds)[K] extends { podTemplate: object } ? K : never }[Kind];

/** A pod template and where the object keeps it; `template` is undefined when the object has none yet. */
export interface PodTemplateAt {
  template: PodTemplate | undefined;
  path: FieldPath;
}

/**
 * The pod template of an object, as its kind's table entry reads it; undefined for a kind without one (a PVC).
 *
 * @example podTemplateOf("StatefulSet", statefulSet).path.child("spec", "containers") // spec.template.spec.containers
 */
export function podTemplateOf<K extends Kind>(
  kind: K,
  object: ObjectOf<K>,
): K extends PodTemplateKind ? PodTemplateAt : PodTemplateAt | undefined;
export function podTemplateOf(kind: Kind, object: unknown): PodTemplateAt | undefined {
  const field = (kinds[kind] as KindDefinition).podTemplate;
  // The entry of `kind` reads objects of `kind`, which is what the signature takes.
  return field && { template: field.of(object as never) ?? undefined, path: field.path };
}

/** The claims an object makes, as its kind's table entry lists them; none for a kind that makes none. */
export function kindClaims(kind: Kind, object: unknown): ClaimAt[] {
  return (kinds[kind] as KindDefinition).claims?.(object as never) ?? [];
}

/** `apps/v1`, or `v1` for the core group. */
export function apiVersionOf(kind: Kind): string {
  const { group, version } = kinds[kind];
  return group ? `${group}/${version}` : version;
}

/** The group of an `apiVersion`: `apps` for `apps/v1`, `""` for `v1`; undefined when it is not a string. */
export function groupOf(apiVersion: unknown): string | undefined {
  if (typeof apiVersion !== "string") return undefined;
  const slash = apiVersion.lastIndexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/**
 * Groups of custom resources are domain names of their authors (`apps.kruise.io`); Kubernetes' own are single words
 * (`apps`, `policy`) or end in `.k8s.io` (`storage.k8s.io`).
 */
function isCustomResourceGroup(group: string): boolean {
  return group.includes(".") && !group.endsWith(".k8s.io");
}

/** The handled kind an object names, and how its apiVersion stands to the table's. */
export interface NamedKind {
  kind: Kind;
  /**
   * `served`: the table's (`apps/v1`); `other version`: another version of the kind's group (`apps/v1beta1`, removed);
   * `other group`: another Kubernetes group (`v1`) or no apiVersion at all, a mistake to report.
   */
  apiVersion: "served" | "other version" | "other group";
}

/**
 * The handled kind an object names by `apiVersion` and `kind`: the one reading of a manifest's, a List item's or a
 * cluster object's kind. A kind of the same name in a custom resource group (OpenKruise's `apps.kruise.io`
 * StatefulSet) is another kind, none of Stateward's; one in the wrong Kubernetes group (`v1`), a removed version
 * (`apps/v1beta1`) or without apiVersion is the kind, for the caller to report.
 *
 * @example kindOf({ apiVersion: "apps/v1beta2", kind: "StatefulSet" }) // { kind: "StatefulSet", apiVersion: "other version" }
 */
export function kindOf(object: { apiVersion?: unknown; kind?: unknown }): NamedKind | undefined {
  const { apiVersion, kind } = object;
  if (typeof kind !== "string" || !Object.hasOwn(kinds, kind)) return undefined;
  const named = kind as Kind;
  if (apiVersion === apiVersionOf(named)) return { kind: named, apiVersion: "served" };
  const group = groupOf(apiVersion);
  if (group === kinds[named].group) return { kind: named, apiVersion: "other version" };
  if (group !== undefined && isCustomResourceGroup(group)) return undefined;
  return { kind: named, apiVersion: "other group" };
}

/** Where kubectl and the API server put an object that names no namespace. */
export const defaultNamespace = "default";

/**
 * The namespace of an object: `named` (its metadata.namespace, or its request's) when that is one, else `fallback`
 * (a command's --namespace), else "default". Every reader of a namespace defaults it here.
 */
export function namespaceOr(named: unknown, fallback: string = defaultNamespace): string {
  return typeof named === "string" && named !== "" ? named : fallback;
}

/** The handled kind of an AdmissionReview's or a List's `group` and `resource`, in any version. */
export function kindOfResource(group: string, resource: string): Kind | undefined {
  return kindNames.find((kind) => kinds[kind].group === group && kinds[kind].resource === resource);
}

/** The reviewed kind of an AdmissionRequest: group, version, kind and resource must all be the table's. */
export function reviewedKindOf(
  requestKind: { group: string; version: string; kind: string },
  resource: { resource: string },
): ReviewedKind | undefined {
  return reviewedKinds.find((kind) => {
    const entry = kinds[kind];
    return (
      requestKind.kind === kind &&
      requestKind.group === entry.group &&
      requestKind.version === entry.version &&
      resource.resource === entry.resource
    );
  });
}
