import { applyPatch, type Operation as PatchOperation } from "rfc6902";
import { FieldPath, formatFieldError } from "../k8s/field.js";
import { type Change, type FieldChange, stepsOf } from "./change.js";
import { changedFields, copyAlong, pathWithin, valueAt, withChanges } from "./changed-fields.js";
import { patchOf } from "./patch.js";
import { semanticEqual } from "../k8s/semantic.js";
import { apiServerErrors, errorKey } from "../k8s/validation/index.js";
import { provenanceOf } from "./provenance.js";
import type { DefaultInput, Operation, DecodedObjects, ScopePolicy } from "./types.js";

export const defaultedAnnotation = "stateward.dev/defaulted";

/** The `by` of the change that records the applied defaults in the annotation: the policy switch that asks for it. */
export const annotationChangeBy = "defaults.annotate";

/** The changes the defaults made, without the annotation's record of them: what the webhook and the CLI report. */
export const defaultsChanges = (changes: readonly FieldChange[]): FieldChange[] =>
  changes.filter((change) => change.by !== annotationChangeBy);

export interface MutationResult {
  /** Undefined when nothing changed: no patch at all, never an empty one. */
  patch: PatchOperation[] | undefined;
  /**
   * The object as the defaults left it (the original when nothing changed). It shares unchanged subtrees with the
   * original: treat it as read-only.
   */
  mutated: unknown;
  applied: string[];
  /**
   * Every change the patch makes, in the order made: each applied default's (`by` its id), then the annotation's (`by`
   * {@link annotationChangeBy}). Rendered where shown (describeChange).
   */
  changes: FieldChange[];
  /** `<default-id> skipped: <reason>`, one per default whose changes were undone. */
  skipped: string[];
}

/**
 * Runs the policy's defaults one by one, each on the object as the defaults before it left it, and collects the changes
 * each one asks for. Before a default's changes are accepted, the fields they change are checked: on UPDATE none may be
 * a field the update left as it was, and no error of the API server's validation (k8s/validation) the input had not may appear; a default that fails
 * either is reported in `skipped` and its changes dropped. The patch is built from the accepted changes and checked by
 * applying it to a copy: a patch that does not reproduce the mutated object is an internal error, never a response.
 */
export function mutate(review: DecodedObjects, operation: Operation, policy: ScopePolicy): MutationResult {
  // The one place that filters defaults by kind: each default's apply is typed for the kinds it declares.
  const active = policy.defaults.filter(
    ({ enabled, default: d }) => enabled && d.kinds.includes(review.kind) && d.operations.includes(operation),
  );
  const applied: string[] = [];
  const changes: FieldChange[] = [];
  const skipped: string[] = [];
  const unchanged = (): MutationResult => ({ patch: undefined, mutated: review.object, applied: [], changes: [], skipped });
  if (active.length === 0) return unchanged();
  const provenance = provenanceOf(review.object, policy.overrideBuiltinDefaults, review.oldObject);
  // The object as the defaults accepted so far: the original until a default's changes are accepted, then a copy of it
  // that shares every subtree no default touched. Nothing writes into it: each default's changes make a new one.
  let accepted: unknown = review.object;
  let brokenBefore: Set<string> | undefined;
  const { kind, oldObject } = review;
  for (const { default: d, params } of active) {
    // One object literal of one shape, as in validate(): a spread of the review cost more than the defaults.
    const object = accepted as DecodedObjects["object"];
    const asked = d.apply({ kind, object, oldObject, operation, params, provenance } as DefaultInput<typeof params>);
    const made = fieldByField(accepted, asked, d.id);
    if (made.length === 0) continue;
    const candidate = withChanges(accepted, made);
    brokenBefore ??= new Set(apiServerErrors({ ...review, object: accepted } as DecodedObjects).map(errorKey));
    const refusal = untouchedByUpdate(review, made) ?? brokenInvariant(review, candidate, brokenBefore);
    if (refusal !== undefined) {
      skipped.push(`${d.id} skipped: ${refusal}`);
      continue;
    }
    accepted = candidate;
    brokenBefore = undefined;
    applied.push(d.id);
    changes.push(...made);
  }
  if (applied.length === 0) return unchanged();
  if (policy.annotate) {
    const record = recordApplied(accepted, applied);
    if (record) {
      changes.push(record);
      accepted = withChanges(accepted, [record]);
    }
  }
  const patch = patchOf(review.object, accepted, changes);
  if (patch.length === 0) return unchanged();
  verify(review.object, accepted, changes, patch);
  return { patch, mutated: accepted, applied, changes, skipped };
}

/**
 * The changes a default asks for, as the fields they change in `object`, by `by`: a change that sets a whole object
 * (`spec.updateStrategy`) where one is already becomes one change per field that differs in it
 * (`spec.updateStrategy.rollingUpdate.partition`); a change that changes nothing is dropped. So the patch touches
 * only what differs, and an UPDATE is judged field by field.
 */
function fieldByField(object: unknown, asked: readonly Change[], by: string): FieldChange[] {
  const made: FieldChange[] = [];
  for (const { path, value } of asked) {
    const at = stepsOf(path);
    const before = valueAt(object, at);
    for (const inner of changedFields(before, value)) {
      if (inner.length === 0) made.push({ path, value, by });
      else made.push({ path: pathWithin(path, inner), value: valueAt(value, inner), by });
    }
  }
  return made;
}

/** Applies the patch to a copy of the original, as the API server will: it must give the mutated object. */
function verify(original: unknown, mutated: unknown, changes: readonly FieldChange[], patch: PatchOperation[]): void {
  // Only the containers the patch writes into are copied: each operation's parent lies on the way to a change.
  const check = copyAlong(original, changes);
  const errors = applyPatch(check, patch);
  if (errors.some((e) => e !== null) || !semanticEqual(check, mutated)) {
    throw new Error("internal error: the computed patch does not reproduce the mutated object");
  }
}

const present = (value: unknown): boolean => value !== undefined && value !== null;

/**
 * On UPDATE, the first field the changes would change whose value the update left as it was (present and equal in
 * `oldObject` and `object`): a default must never change it, whatever its provenance says.
 */
function untouchedByUpdate(review: DecodedObjects, changes: readonly FieldChange[]): string | undefined {
  if (!present(review.oldObject)) return undefined;
  for (const { path } of changes) {
    const field = stepsOf(path);
    const now = valueAt(review.object, field);
    if (present(now) && semanticEqual(now, valueAt(review.oldObject, field))) {
      return `it would change ${path}, which this update left as it was`;
    }
  }
  return undefined;
}

/** The first error of the API server's validation that `object` has and the object before the default had not. */
function brokenInvariant(review: DecodedObjects, object: unknown, brokenBefore: ReadonlySet<string>): string | undefined {
  const broken = apiServerErrors({ ...review, object } as DecodedObjects).find((error) => !brokenBefore.has(errorKey(error)));
  return broken && `the API server would reject the result: ${formatFieldError(broken)}`;
}

/** The change that adds the applied ids to the annotation, keeping earlier ones so a reinvocation changes nothing. */
function recordApplied(object: unknown, applied: readonly string[]): FieldChange | undefined {
  const path = FieldPath.root("metadata", "annotations").key(defaultedAnnotation);
  const current = valueAt(object, stepsOf(path));
  const before = typeof current === "string" ? current.split(",").filter(Boolean) : [];
  const value = [...new Set([...before, ...applied])].sort().join(",");
  return value === current ? undefined : { path, value, by: annotationChangeBy };
}
