/**
 * The webhook's JSON Patch, built from the structured changes the defaults made rather than by diffing the object again:
 * one add, replace or remove per changed field, the pointer written by `pointerOf` from the field's path.
 */
import type { Operation as PatchOperation } from "rfc6902";
import { type FieldChange, pointerOf, type Step, stepsOf } from "./change.js";
import { valueAt } from "./changed-fields.js";
import { semanticEqual } from "../k8s/semantic.js";

type Container = Record<string, unknown> | unknown[];
const isContainer = (value: unknown): value is Container => typeof value === "object" && value !== null;

/** Where a change lands in the original: the field itself, or its highest parent the original lacks (as steps). */
interface Target {
  steps: Step[];
  /** Whether the original holds a value there (replace or remove) or not (add). */
  exists: boolean;
}

/**
 * The target of `change` in `original`: a key under a missing parent is added as the parent (an object holding it), as
 * the API server's JSON Patch cannot add below a missing key; a scalar or null in the way is replaced.
 */
function targetOf(original: unknown, change: FieldChange): Target {
  let node = original;
  const steps: Step[] = [];
  for (const step of stepsOf(change.path)) {
    if (!isContainer(node)) return { steps, exists: true };
    steps.push(step);
    // A property holding undefined is no JSON: the API server's object lacks it.
    if (!Object.hasOwn(node, step) || (node as Record<string, unknown>)[step as string] === undefined) {
      return { steps, exists: false };
    }
    node = (node as Record<string, unknown>)[step as string];
  }
  return { steps, exists: true };
}

const startsWith = (steps: readonly Step[], prefix: readonly Step[]): boolean =>
  prefix.length <= steps.length && prefix.every((step, i) => steps[i] === step);

/**
 * The JSON Patch that turns `original` into `mutated`, given the changes that made one from the other: one operation
 * per changed field, whose value is the field's in `mutated`. A field inside another changed field is written by the
 * outer one; a field that ends as it began is left out; the operations touch disjoint subtrees, so their order is free.
 */
export function patchOf(original: unknown, mutated: unknown, changes: readonly FieldChange[]): PatchOperation[] {
  const targets: Target[] = [];
  for (const change of changes) {
    const target = targetOf(original, change);
    if (targets.some((t) => startsWith(target.steps, t.steps))) continue;
    for (let i = targets.length - 1; i >= 0; i--) if (startsWith(targets[i]!.steps, target.steps)) targets.splice(i, 1);
    targets.push(target);
  }
  const patch: PatchOperation[] = [];
  for (const { steps, exists } of targets) {
    const value = valueAt(mutated, steps);
    const pointer = pointerOf(steps);
    if (value === undefined) {
      if (exists) patch.push({ op: "remove", path: pointer });
    } else if (!exists) {
      patch.push({ op: "add", path: pointer, value });
    } else if (!semanticEqual(value, valueAt(original, steps))) {
      patch.push({ op: "replace", path: pointer, value });
    }
  }
  return patch;
}
