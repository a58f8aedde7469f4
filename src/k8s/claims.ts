/** Claims under review: the PVC itself, or each volumeClaimTemplate of a StatefulSet, with its field path. */
import type { FieldPath } from "../k8s/field.js";
import { kindClaims, type ReviewedObject } from "./kinds.js";
import { legacyStorageClassAnnotation, type PersistentVolumeClaim } from "./objects.js";

export interface ClaimAt {
  claim: PersistentVolumeClaim;
  /**
   * Path of the claim object itself: the root for a PVC under review, so `path.child("spec", "storageClassName")` names
   * the field in either.
   */
  path: FieldPath;
  /** True for a template the object makes claims from (a StatefulSet's volumeClaimTemplate), false for the object itself. */
  template: boolean;
}

/** The claims of an object under review, by its kind's entry in the kind table (k8s/kinds.ts). */
export function claimsOf(subject: ReviewedObject): ClaimAt[] {
  return kindClaims(subject.kind, subject.object);
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
