/** Claims under review: the PVC itself, or each volumeClaimTemplate of a StatefulSet, with its field path. */
import { FieldPath } from "../k8s/field.js";
import type { ReviewedObject } from "./kinds.js";
import { legacyStorageClassAnnotation, type PersistentVolumeClaim } from "./objects.js";

export interface ClaimAt {
  claim: PersistentVolumeClaim;
  /**
   * Path of the claim object itself: the root for a PVC under review, so `path.child("spec", "storageClassName")` names
   * the field in either.
   */
  path: FieldPath;
  /** True for a StatefulSet's volumeClaimTemplate. */
  template: boolean;
}

export function claimsOf(subject: ReviewedObject): ClaimAt[] {
  if (subject.kind === "PersistentVolumeClaim") {
    return [{ claim: subject.object, path: FieldPath.root(), template: false }];
  }
  if (subject.kind !== "StatefulSet") return [];
  const templates = subject.object.spec?.volumeClaimTemplates ?? [];
  return templates.map((claim, i) => ({
    claim,
    path: FieldPath.root("spec", "volumeClaimTemplates").index(i),
    template: true,
  }));
}

export interface ClaimStorageClass {
  /** The class, `""` for static binding, undefined when the claim names none. */
  name: string | undefined;
  /** Where the claim names it. */
  path: FieldPath;
  legacy: boolean;
}

/**
 * The class a claim asks for. The legacy annotation wins over `storageClassName` as in the PV controller, which
 * still honours it.
 */
export function claimStorageClass(at: ClaimAt): ClaimStorageClass {
  const annotation = at.claim.metadata?.annotations?.[legacyStorageClassAnnotation];
  if (annotation !== undefined) {
    return { name: annotation, path: at.path.child("metadata", "annotations").key(legacyStorageClassAnnotation), legacy: true };
  }
  const name = at.claim.spec?.storageClassName ?? undefined;
  return { name, path: at.path.child("spec", "storageClassName"), legacy: false };
}
