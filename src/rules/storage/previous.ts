/**
 * On UPDATE the storage rules judge only what changed. A claim's class, access modes and (in a StatefulSet) the whole
 * template are immutable, so re-judging an unchanged claim against a newer policy or cluster would block scaling or
 * relabelling an existing workload that nobody can fix short of deleting it.
 */
import type { PersistentVolumeClaim } from "../../k8s/objects.js";
import { type ClaimAt, claimsOf } from "../../k8s/claims.js";
import type { ReviewedObject } from "../../k8s/kinds.js";
import { semanticEqual } from "../../k8s/semantic.js";
import type { Operation, DecodedObjects } from "../../engine/types.js";

/** The same claim in `oldObject`: the old PVC, or the old claim template with the same name. */
export function previousClaim(review: DecodedObjects, at: ClaimAt): PersistentVolumeClaim | undefined {
  if (!review.oldObject) return undefined;
  // The old object of the same kind, as `review` pairs them.
  const before = claimsOf({ kind: review.kind, object: review.oldObject } as ReviewedObject);
  // A claim that is the object itself has one previous version: the old object.
  if (!at.template) return before[0]?.claim;
  const name = at.claim.metadata?.name;
  if (!name) return undefined;
  return before.find((old) => old.claim.metadata?.name === name)?.claim;
}

/** True on UPDATE when `read` gives the same answer for the claim before and after. */
export function unchanged(
  input: DecodedObjects & { operation: Operation },
  at: ClaimAt,
  read: (claim: PersistentVolumeClaim) => unknown,
): boolean {
  if (input.operation !== "UPDATE") return false;
  const old = previousClaim(input, at);
  // A null field is the absent field the API server decodes it to.
  return old !== undefined && semanticEqual(read(old), read(at.claim), { nullAsAbsent: true });
}
