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

/** Equality as the API server compares decoded specs: a null field is no field. */
function same(a: Json, b: Json): boolean {
  if (a === null) a = undefined;
  if (b === null) b = undefined;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => same(a[k], b[k]));
  }
  return a === b;
}

const quantityOf = (v: Json) => (typeof v === "string" || typeof v === "number" ? parseQuantity(v) : undefined);

/** Resource lists compare by value: 1Gi equals 1024Mi. */
function sameQuantities(a: Json, b: Json): boolean {
  const left = isRecord(a) ? a : {};
  const right = isRecord(b) ? b : {};
  return [...new Set([...Object.keys(left), ...Object.keys(right)])].every((key) => {
    const [x, y] = [quantityOf(left[key]), quantityOf(right[key])];
    return x !== undefined && y !== undefined ? x === y : same(left[key], right[key]);
  });
}

const immutableSpec =
  "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims";

/**
 * ValidatePersistentVolumeClaimUpdate. What it lets change: resources.requests (judged by pvc-resize),
 * volumeAttributesClassName, volumeName once, and storageClassName from unset to the class the legacy annotation
 * named (or to any class when there was no annotation). Everything else in spec is forbidden, reported as upstream
 * does once at `spec`, here with the names of the fields that changed; a changed volumeMode is also reported at
 * upstream's own path `volumeMode` (field.NewPath("volumeMode"), without `spec`).
 */
export function validatePersistentVolumeClaimUpdate(claim: PersistentVolumeClaim, old: PersistentVolumeClaim): FieldError[] {
  const now = { ...((claim.spec ?? {}) as Record<string, Json>) };
  const before = { ...((old.spec ?? {}) as Record<string, Json>) };
  for (const s of [now, before]) {
    // Both objects are defaulted before validation; offline one of them may not be.
    s.volumeMode ??= "Filesystem";
    delete s.volumeAttributesClassName;
  }
  if (!before.volumeName) delete now.volumeName, delete before.volumeName;
  const oldAnnotation = old.metadata?.annotations?.[legacyStorageClassAnnotation];
  const upgradedClass =
    (before.storageClassName === undefined || before.storageClassName === null) &&
    typeof now.storageClassName === "string" &&
    (oldAnnotation === undefined || now.storageClassName === oldAnnotation);
  if (upgradedClass) delete now.storageClassName, delete before.storageClassName;
  const changed = [...new Set([...Object.keys(now), ...Object.keys(before)])].filter((field) => {
    if (field !== "resources") return !same(now[field], before[field]);
    const { requests: _, limits, ...rest } = isRecord(now.resources) ? now.resources : {};
    const { requests: __, limits: oldLimits, ...oldRest } = isRecord(before.resources) ? before.resources : {};
    return !sameQuantities(limits, oldLimits) || !same(rest, oldRest);
  });

  const errors: FieldError[] = [];
  if (changed.length > 0) errors.push(forbidden(FieldPath.root("spec"), `${immutableSpec}; changed: ${changed.join(", ")}`));
  if (!same(now.volumeMode, before.volumeMode)) errors.push(invalid(FieldPath.root("volumeMode"), claim.spec?.volumeMode ?? "Filesystem", "field is immutable"));
  // ValidateImmutableAnnotation, at fldPath.Child("annotations", key) as upstream writes it.
  const annotation = claim.metadata?.annotations?.[legacyStorageClassAnnotation];
  // validateStorageClassUpgradeFromAnnotation: the new annotation, if any, must still name the old class.
  const fromAnnotation = upgradedClass && oldAnnotation !== undefined && (annotation === undefined || annotation === oldAnnotation);
  if (!fromAnnotation && (annotation ?? "") !== (oldAnnotation ?? "")) {
    errors.push(invalid(FieldPath.root("metadata", "annotations", legacyStorageClassAnnotation), annotation ?? "", "field is immutable"));
  }
  return errors;
}
