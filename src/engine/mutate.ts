import { applyPatch, createPatch, type Operation as PatchOperation, Pointer } from "rfc6902";
import { apiServerViolations, type InvariantSubject, violationKey } from "../k8s/invariants.js";
import { type ChangedField, changedFields, copyField, fieldPathOf, valueAt, withFields } from "./changed-fields.js";
import { cloneJson } from "./clone.js";
import { formatFieldError } from "../k8s/field.js";
import { deepEqual, provenanceOf } from "./provenance.js";
import type { DefaultInput, Operation, Review, ScopePolicy } from "./types.js";

export const defaultedAnnotation = "stateward.dev/defaulted";

export interface MutationResult {
  /** Undefined when nothing changed: no patch at all, never an empty one. */
  patch: PatchOperation[] | undefined;
  /**
   * The object as the defaults left it (the original when nothing changed). It shares unchanged subtrees with the
   * original: treat it as read-only.
   */
  mutated: unknown;
  applied: string[];
  /** `set <field> to <value> [<default-id>]`, one per change. */
  changes: string[];
  /** `<default-id> skipped: <reason>`, one per default whose changes were undone. */
  skipped: string[];
}

/**
 * Applies the policy's defaults one by one to a deep copy of the object and diffs it against the original. After each
 * default the fields it changed are checked: on UPDATE none may be a field the update left as it was, and no
 * API-server invariant that held before may break. A default that fails either has its changes undone and is reported
 * in `skipped`. The patch is checked by applying it to another copy: a patch that does not reproduce the mutated
 * object is an internal error, never a response.
 */
export function mutate(review: Review, operation: Operation, policy: ScopePolicy): MutationResult {
  // The one place that filters defaults by kind: each default's apply is typed for the kinds it declares.
  const active = policy.defaults.filter(
    ({ enabled, default: d }) => enabled && d.kinds.includes(review.kind) && d.operations.includes(operation),
  );
  const applied: string[] = [];
  const changes: string[] = [];
  const skipped: string[] = [];
  const unchanged = (): MutationResult => ({ patch: undefined, mutated: review.object, applied: [], changes: [], skipped });
  if (active.length === 0) return unchanged();
  // The defaults change this review's private copy of the object; the original stays as the API server sent it.
  const target = withCopiedObject(review);
  const copy = target.object as Record<string, unknown>;
  const provenance = provenanceOf(review.object, policy.overrideBuiltinDefaults, review.oldObject);
  // The object as the defaults accepted so far: the original until a default's changes are accepted, then a copy of
  // it that shares every subtree no default touched. Checking and undoing a default costs what it touched.
  let accepted: unknown = review.object;
  const owned = new Set<unknown>();
  let brokenBefore: Set<string> | undefined;
  for (const { default: d, params } of active) {
    // One object literal of one shape, as in validate(): a spread of the review cost more than the defaults.
    const { kind, object, oldObject } = target;
    const described = d.apply({ kind, object, oldObject, operation, params, provenance } as DefaultInput<typeof params>);
    if (described.length === 0) continue;
    const fields = changedFields(accepted, copy);
    if (fields.length === 0) continue;
    brokenBefore ??= new Set(apiServerViolations({ ...review, object: accepted } as InvariantSubject).map(violationKey));
    const refusal = untouchedByUpdate(review, fields) ?? brokenInvariant(review, copy, brokenBefore);
    if (refusal !== undefined) {
      for (const field of fields) copyField(accepted, copy, field, cloneJson);
      skipped.push(`${d.id} skipped: ${refusal}`);
      continue;
    }
    accepted = withFields(accepted, copy, fields, owned, cloneJson);
    brokenBefore = undefined;
    applied.push(d.id);
    for (const change of described) changes.push(`${change} [${d.id}]`);
  }
  if (applied.length === 0) return unchanged();
  if (policy.annotate) recordApplied(copy, applied);
  // rfc6902 compares arrays with a recursive edit-distance search: an unchanged array of a few thousand entries
  // (env, args) overflows the stack and costs time. Sharing every unchanged subtree with the original lets it stop at
  // `===` and diff only what the defaults touched.
  if (shareUnchanged(review.object, copy)) return unchanged();
  const patch = createPatch(review.object, copy);
  if (patch.length === 0) return unchanged();
  const check = copyAlong(review.object, patch);
  const errors = applyPatch(check, patch);
  if (errors.some((e) => e !== null) || !deepEqual(check, copy)) {
    throw new Error("internal error: the computed patch does not reproduce the mutated object");
  }
  return { patch, mutated: copy, applied, changes, skipped };
}

const present = (value: unknown): boolean => value !== undefined && value !== null;

/**
 * On UPDATE, the first changed field whose value the update left as it was (present and equal in `oldObject` and
 * `object`): a default must never change it, whatever its provenance says.
 */
function untouchedByUpdate(review: Review, fields: readonly ChangedField[]): string | undefined {
  if (!present(review.oldObject)) return undefined;
  for (const field of fields) {
    const now = valueAt(review.object, field);
    if (present(now) && deepEqual(now, valueAt(review.oldObject, field))) {
      return `it would change ${fieldPathOf(field)}, which this update left as it was`;
    }
  }
  return undefined;
}

/** The first API-server invariant `object` breaks that held before the default ran. */
function brokenInvariant(review: Review, object: unknown, brokenBefore: ReadonlySet<string>): string | undefined {
  const broken = apiServerViolations({ ...review, object } as InvariantSubject).find((v) => !brokenBefore.has(violationKey(v)));
  return broken && `the API server would reject the result: ${formatFieldError(broken.error)}`;
}

/** The review with a deep copy of its object, typed as the review it copies. */
function withCopiedObject<R extends Review>(review: R): R {
  return Object.assign({}, review, { object: cloneJson(review.object) });
}

/** Adds the applied ids to the annotation, keeping earlier ones so a reinvocation changes nothing. */
function recordApplied(object: Record<string, unknown>, applied: string[]): void {
  const metadata = (object.metadata ??= {}) as Record<string, unknown>;
  const annotations = (metadata.annotations ??= {}) as Record<string, string>;
  const before = annotations[defaultedAnnotation]?.split(",").filter(Boolean) ?? [];
  annotations[defaultedAnnotation] = [...new Set([...before, ...applied])].sort().join(",");
}

type Container = Record<string, unknown> | unknown[];

const isContainer = (value: unknown): value is Container => typeof value === "object" && value !== null;

/**
 * Replaces every subtree of `copy` that equals the same subtree of `original` by the original's, in one walk.
 * Returns whether the two are equal as a whole.
 */
function shareUnchanged(original: unknown, copy: unknown): boolean {
  if (original === copy) return true;
  if (!isContainer(original) || !isContainer(copy) || Array.isArray(original) !== Array.isArray(copy)) return false;
  const from = original as Record<string, unknown>;
  const to = copy as Record<string, unknown>;
  let equal = true;
  if (Array.isArray(original)) {
    const list = copy as unknown[];
    if (original.length !== list.length) equal = false;
    for (let i = 0; i < Math.min(original.length, list.length); i++) {
      if (shareUnchanged(original[i], list[i])) list[i] = original[i];
      else equal = false;
    }
    return equal;
  }
  let shared = 0;
  for (const key of Object.keys(to)) {
    if (!Object.hasOwn(from, key)) {
      equal = false;
      continue;
    }
    shared++;
    if (shareUnchanged(from[key], to[key])) to[key] = from[key];
    else equal = false;
  }
  return equal && shared === Object.keys(from).length;
}

/**
 * A copy of `original` in which only the containers a patch writes to are new, so that applying the patch to it leaves
 * the original intact without cloning all of it.
 */
function copyAlong(original: unknown, patch: readonly PatchOperation[]): unknown {
  const shallow = (value: unknown): unknown =>
    Array.isArray(value) ? [...value] : isContainer(value) ? { ...value } : value;
  const copied = new Set<unknown>();
  const root = shallow(original);
  copied.add(root);
  for (const op of patch) {
    const tokens = Pointer.fromJSON(op.path).tokens.slice(1, -1);
    let node = root as Record<string, unknown>;
    for (const token of tokens) {
      if (!isContainer(node)) break;
      let child = node[token];
      if (!isContainer(child)) break;
      if (!copied.has(child)) {
        child = shallow(child);
        copied.add(child);
        node[token] = child;
      }
      node = child as Record<string, unknown>;
    }
  }
  return root;
}
