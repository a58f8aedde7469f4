/**
 * What the API server requires of a StatefulSet or PVC that Stateward can check on its own: the object a mutating
 * webhook hands back must still pass these, or the user gets an error about a change they never made. Each finding
 * names its invariant and the field, so a caller can tell an invariant the input already broke from one a change
 * broke.
 */
import { type FieldError, FieldPath, forbidden, invalid, required, duplicate } from "./field.js";
import { labelKeyErrors, labelValueErrors } from "./labels.js";
import { dns1123LabelErrors } from "./names.js";
import type { ObjectMeta, PersistentVolumeClaim, StatefulSet } from "./objects.js";
import { selectorIsEmpty, selectorMatches } from "./selector.js";

export interface Violation {
  invariant: string;
  error: FieldError;
}

export type InvariantSubject =
  | { kind: "StatefulSet"; object: StatefulSet; oldObject: StatefulSet | undefined }
  | { kind: "PersistentVolumeClaim"; object: PersistentVolumeClaim; oldObject: PersistentVolumeClaim | undefined };

/** The spec fields an update of a StatefulSet may change (apps/validation ValidateStatefulSetUpdate). */
export const statefulSetMutableSpecFields = [
  "replicas",
  "ordinals",
  "template",
  "updateStrategy",
  "revisionHistoryLimit",
  "persistentVolumeClaimRetentionPolicy",
  "minReadySeconds",
] as const;
const statefulSetMutableSpec = new Set<string>(statefulSetMutableSpecFields);
/** The spec fields an update of a PVC may change (core/validation ValidatePersistentVolumeClaimUpdate). */
const claimMutableSpec = new Set(["resources", "volumeAttributesClassName"]);

type Json = unknown;
const isRecord = (v: Json): v is Record<string, Json> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Equal as the API server compares decoded objects: a null field is no field. */
function same(a: Json, b: Json): boolean {
  if (a === null) a = undefined;
  if (b === null) b = undefined;
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => same(a[k], b[k]));
  }
  return false;
}

function immutableSpecChanges(spec: Json, oldSpec: Json, mutable: ReadonlySet<string>, at: FieldPath): Violation[] {
  const now = isRecord(spec) ? spec : {};
  const before = isRecord(oldSpec) ? oldSpec : {};
  const out: Violation[] = [];
  for (const field of new Set([...Object.keys(now), ...Object.keys(before)])) {
    if (mutable.has(field) || same(now[field], before[field])) continue;
    out.push({ invariant: "immutable-fields", error: forbidden(at.child(field), "field is immutable after creation") });
  }
  return out;
}

function labelViolations(metadata: ObjectMeta | null | undefined, at: FieldPath): Violation[] {
  const out: Violation[] = [];
  for (const [key, value] of Object.entries(metadata?.labels ?? {})) {
    const path = at.key(key);
    const keyErrors = labelKeyErrors(key);
    if (keyErrors.length > 0) out.push({ invariant: "valid-labels", error: invalid(path, key, keyErrors.join("; ")) });
    const valueErrors = typeof value === "string" ? labelValueErrors(value) : ["must be a string"];
    if (valueErrors.length > 0) out.push({ invariant: "valid-labels", error: invalid(path, value, valueErrors.join("; ")) });
  }
  return out;
}

function statefulSetViolations(object: StatefulSet, oldObject: StatefulSet | undefined): Violation[] {
  const out: Violation[] = [];
  const spec = object.spec;
  const specPath = FieldPath.root("spec");
  const selector = spec?.selector;
  const templateLabels = spec?.template?.metadata?.labels;
  if (selector && !selectorIsEmpty(selector) && !selectorMatches(selector, templateLabels)) {
    out.push({
      invariant: "selector-matches-template",
      error: invalid(specPath.child("template", "metadata", "labels"), templateLabels ?? {}, "`selector` does not match template `labels`"),
    });
  }
  const strategy = spec?.updateStrategy;
  if (strategy?.rollingUpdate != null && (strategy.type ?? "RollingUpdate") !== "RollingUpdate") {
    out.push({
      invariant: "rolling-update-only-with-rolling-update",
      error: invalid(specPath.child("updateStrategy", "rollingUpdate"), strategy.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"),
    });
  }
  if (oldObject) out.push(...immutableSpecChanges(spec, oldObject.spec, statefulSetMutableSpec, specPath));
  const seen = new Set<string>();
  (spec?.volumeClaimTemplates ?? []).forEach((claim, i) => {
    const claimPath = specPath.child("volumeClaimTemplates").index(i).child("metadata");
    const name = claim?.metadata?.name;
    if (!name) out.push({ invariant: "claim-template-names", error: required(claimPath.child("name"), "a claim template needs a name") });
    else if (seen.has(name)) out.push({ invariant: "claim-template-names", error: duplicate(claimPath.child("name"), name) });
    else {
      seen.add(name);
      const errors = dns1123LabelErrors(name);
      if (errors.length > 0) out.push({ invariant: "claim-template-names", error: invalid(claimPath.child("name"), name, errors.join("; ")) });
    }
    out.push(...labelViolations(claim?.metadata, claimPath.child("labels")));
  });
  out.push(...labelViolations(spec?.template?.metadata, specPath.child("template", "metadata", "labels")));
  out.push(...labelViolations(object.metadata, FieldPath.root("metadata", "labels")));
  return out;
}

function claimViolations(object: PersistentVolumeClaim, oldObject: PersistentVolumeClaim | undefined): Violation[] {
  const out = labelViolations(object.metadata, FieldPath.root("metadata", "labels"));
  if (oldObject) out.push(...immutableSpecChanges(object.spec, oldObject.spec, claimMutableSpec, FieldPath.root("spec")));
  return out;
}

/** Every invariant the subject breaks; `oldObject` is the stored object of an UPDATE. */
export function apiServerViolations(subject: InvariantSubject): Violation[] {
  return subject.kind === "StatefulSet"
    ? statefulSetViolations(subject.object, subject.oldObject)
    : claimViolations(subject.object, subject.oldObject);
}

/** A key that stays the same while the same invariant is broken at the same field, whatever the values. */
export const violationKey = (v: Violation): string => `${v.invariant} ${v.error.path}`;
