/**
 * The PersistentVolumeClaim checks of kubernetes/kubernetes `pkg/apis/core/validation` (ValidatePersistentVolumeClaim,
 * ValidatePersistentVolumeClaimSpec, ValidatePersistentVolumeClaimUpdate) that no rule of its own covers. Those that
 * do: accessModes (storage-access-modes), resources.requests.storage (storage-request), a shrinking request
 * (pvc-resize).
 */
import { type FieldError, FieldPath, forbidden, invalid, notSupported } from "../field.js";
import { dns1123SubdomainErrors } from "../names.js";
import { legacyStorageClassAnnotation, type PersistentVolumeClaim } from "../objects.js";
import { parseQuantity } from "../quantity.js";
import { semanticEqual } from "../semantic.js";
import { validateLabelSelector, validateObjectMetaLabels, validateObjectMetaName } from "./meta.js";

export const volumeModes = ["Block", "Filesystem"] as const;

type ClaimSpec = PersistentVolumeClaim["spec"];

/** ValidatePersistentVolumeClaimSpec: the class is a DNS subdomain (ValidateClassName), the mode a known one. */
export function validatePersistentVolumeClaimSpec(claimSpec: ClaimSpec, path: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  errors.push(...validateLabelSelector(claimSpec?.selector, path.child("selector")));
  const className = claimSpec?.storageClassName;
  if (className) {
    for (const reason of dns1123SubdomainErrors(className)) errors.push(invalid(path.child("storageClassName"), className, reason));
  }
  const mode = claimSpec?.volumeMode;
  if (mode !== undefined && mode !== null && !(volumeModes as readonly string[]).includes(mode)) {
    errors.push(notSupported(path.child("volumeMode"), mode, volumeModes));
  }
  return errors;
}

export function validatePersistentVolumeClaim(claim: PersistentVolumeClaim): FieldError[] {
  const metadata = FieldPath.root("metadata");
  const errors = [...validateObjectMetaName(claim.metadata, metadata), ...validateObjectMetaLabels(claim.metadata, metadata)];
  // ValidatePersistentVolumeName is NameIsDNSSubdomain.
  const name = claim.metadata?.name;
  if (name) for (const reason of dns1123SubdomainErrors(name)) errors.push(invalid(metadata.child("name"), name, reason));
  return [...errors, ...validatePersistentVolumeClaimSpec(claim.spec, FieldPath.root("spec"))];
}

type Json = unknown;
const isRecord = (v: Json): v is Record<string, Json> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * equality.Semantic on claim specs: null, empty lists and maps are absent and quantities compare by value; a `""`
 * is not absent, since every PVC spec field but volumeName is a pointer in Go (storageClassName "" binds statically,
 * an absent one takes the default class).
 */
const claimSpecEquality = { nullAsAbsent: true, emptyAsAbsent: true, quantities: true } as const;

const storageOf = (claim: PersistentVolumeClaim | undefined, from: "request" | "capacity") => {
  const value = from === "request" ? claim?.spec?.resources?.requests?.storage : claim?.status?.capacity?.storage;
  return value === undefined || value === null ? undefined : parseQuantity(value);
};

/** validateStorageClassUpgradeFromAnnotation: a class set in spec that the legacy annotation named before. */
function upgradedFromAnnotation(claim: PersistentVolumeClaim, old: PersistentVolumeClaim): boolean {
  const oldAnnotations = old.metadata?.annotations ?? {};
  const newAnnotations = claim.metadata?.annotations ?? {};
  const newClass = claim.spec?.storageClassName;
  return (
    Object.hasOwn(oldAnnotations, legacyStorageClassAnnotation) &&
    (old.spec?.storageClassName === undefined || old.spec.storageClassName === null) &&
    typeof newClass === "string" &&
    newClass === oldAnnotations[legacyStorageClassAnnotation] &&
    (!Object.hasOwn(newAnnotations, legacyStorageClassAnnotation) || newAnnotations[legacyStorageClassAnnotation] === newClass)
  );
}

/** validateStorageClassUpgradeFromNil: a class set where there was none, matching the old annotation if any. */
function upgradedFromNil(claim: PersistentVolumeClaim, old: PersistentVolumeClaim): boolean {
  const oldAnnotations = old.metadata?.annotations ?? {};
  const newClass = claim.spec?.storageClassName;
  return (
    typeof newClass === "string" &&
    (old.spec?.storageClassName === undefined || old.spec.storageClassName === null) &&
    (!Object.hasOwn(oldAnnotations, legacyStorageClassAnnotation) || newClass === oldAnnotations[legacyStorageClassAnnotation])
  );
}

const immutableSpec =
  "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims";

/**
 * The immutability checks of ValidatePersistentVolumeClaimUpdate (the request's decrease is
 * validatePersistentVolumeClaimRequestDecrease's). What may change: resources.requests.storage of a bound claim,
 * volumeAttributesClassName (but not back to unset or empty), volumeName once, and storageClassName from unset to the
 * class the legacy annotation named (or to any class when there was no annotation). Every other spec change is
 * forbidden, reported as upstream does once at `spec`, here with the names of the fields that changed; a changed
 * volumeMode is also reported at upstream's own path `volumeMode` (field.NewPath("volumeMode"), without `spec`).
 *
 * The API server keeps a claim's status on an update of the claim, so "bound" is read from the stored claim; when it
 * has no status at all (offline, a manifest as old object), the storage request is left to the API server.
 */
export function validatePersistentVolumeClaimImmutability(claim: PersistentVolumeClaim, old: PersistentVolumeClaim): FieldError[] {
  const now = { ...((claim.spec ?? {}) as Record<string, Json>) };
  const before = { ...((old.spec ?? {}) as Record<string, Json>) };
  for (const s of [now, before]) {
    // Both objects are defaulted before validation; offline one of them may not be. volumeName is a plain string.
    s.volumeMode ??= "Filesystem";
    if (s.volumeName === "") delete s.volumeName;
  }
  if (before.volumeName === undefined || before.volumeName === null) before.volumeName = now.volumeName;

  const annotation = claim.metadata?.annotations?.[legacyStorageClassAnnotation];
  const oldAnnotation = old.metadata?.annotations?.[legacyStorageClassAnnotation];
  let annotationChanged = false;
  if (upgradedFromAnnotation(claim, old)) {
    delete now.storageClassName;
  } else {
    annotationChanged = (annotation ?? "") !== (oldAnnotation ?? "");
    if (upgradedFromNil(claim, old)) now.storageClassName = before.storageClassName;
  }

  const phase = old.status?.phase ?? claim.status?.phase;
  if (isRecord(now.resources) && isRecord(now.resources.requests)) {
    const bound = phase === "Bound" || phase === undefined;
    if (bound) {
      const oldStorage = isRecord(before.resources) && isRecord(before.resources.requests) ? before.resources.requests.storage : undefined;
      now.resources = { ...now.resources, requests: { ...now.resources.requests, storage: oldStorage } };
    }
  }
  delete now.volumeAttributesClassName;
  delete before.volumeAttributesClassName;

  const changed = [...new Set([...Object.keys(now), ...Object.keys(before)])].filter(
    (field) => !semanticEqual(now[field], before[field], claimSpecEquality),
  );
  const errors: FieldError[] = [];
  if (changed.length > 0) errors.push(forbidden(FieldPath.root("spec"), `${immutableSpec}; changed: ${changed.join(", ")}`));
  const mode = claim.spec?.volumeMode ?? "Filesystem";
  if (mode !== (old.spec?.volumeMode ?? "Filesystem")) errors.push(invalid(FieldPath.root("volumeMode"), mode, "field is immutable"));
  if (annotationChanged) {
    // ValidateImmutableAnnotation, at fldPath.Child("annotations", key) as upstream writes it.
    errors.push(invalid(FieldPath.root("metadata", "annotations", legacyStorageClassAnnotation), annotation ?? "", "field is immutable"));
  }

  const attributesClass = FieldPath.root("spec", "volumeAttributesClassName");
  const oldClass = old.spec?.volumeAttributesClassName;
  const newClass = claim.spec?.volumeAttributesClassName;
  if (oldClass !== undefined && oldClass !== null && oldClass !== newClass) {
    if (newClass === undefined || newClass === null) errors.push(forbidden(attributesClass, "update from non-nil value to nil is forbidden"));
    else if (newClass === "") errors.push(forbidden(attributesClass, "update from non-nil value to an empty string is forbidden"));
  }
  return errors;
}

/**
 * The storage request's part of ValidatePersistentVolumeClaimUpdate, with RecoverVolumeExpansionFailure on: a request
 * may drop back only to above the capacity the volume really has (to recover from a failed expansion). Without a
 * known capacity (a claim read offline) any decrease is refused, as with the feature off.
 */
export function validatePersistentVolumeClaimRequestDecrease(claim: PersistentVolumeClaim, old: PersistentVolumeClaim): FieldError[] {
  const path = FieldPath.root("spec", "resources", "requests", "storage");
  const before = storageOf(old, "request");
  const after = storageOf(claim, "request");
  if (before === undefined || after === undefined || after >= before) return [];
  const capacity = storageOf(old, "capacity") ?? storageOf(claim, "capacity");
  if (capacity === undefined) return [forbidden(path, "field can not be less than previous value")];
  return after <= capacity ? [forbidden(path, "field can not be less than status.capacity")] : [];
}

/** ValidatePersistentVolumeClaimUpdate: the claim as for a create, and what its update may not change. */
export function validatePersistentVolumeClaimUpdate(claim: PersistentVolumeClaim, old: PersistentVolumeClaim): FieldError[] {
  return [
    ...validatePersistentVolumeClaim(claim),
    ...validatePersistentVolumeClaimImmutability(claim, old),
    ...validatePersistentVolumeClaimRequestDecrease(claim, old),
  ];
}
