/**
 * Which manifests the webhook would review, and as what. A StatefulSet of an API version that clusters no longer
 * serve is reported (the API server would reject it before any webhook runs) and checked as apps/v1, the version the
 * user has to move it to, so the migration's own problems show up in the same run.
 */
import type { Finding } from "../engine/finding.js";
import { apiVersionOf, kindOf, type ReviewedKind, reviewedKinds } from "../k8s/kinds.js";
import { statefulSetApiVersion, unservedApiVersion } from "../rules/statefulset/api-version.js";

/** What the webhook would review a manifest as: its kind and the object to check, or nothing (and maybe why). */
export type ReviewTarget =
  | { reviewed: true; kind: ReviewedKind; object: Record<string, unknown>; apiFinding?: Finding; unserved?: string }
  | { reviewed: false; note?: string };

const isReviewedKind = (kind: unknown): kind is ReviewedKind => reviewedKinds.includes(kind as ReviewedKind);

export function reviewTargetOf(object: Record<string, unknown>): ReviewTarget {
  // A custom resource's StatefulSet (OpenKruise's, for one) is a different kind that Stateward does not review.
  const named = kindOf(object);
  if (!named || !isReviewedKind(named.kind)) return { reviewed: false };
  const { kind } = named;
  if (named.apiVersion === "served") return { reviewed: true, kind, object };
  const { apiVersion } = object;
  if (kind === "StatefulSet") {
    const { error, unserved } = unservedApiVersion(apiVersion);
    return {
      reviewed: true,
      kind,
      object: { ...object, apiVersion: apiVersionOf(kind) },
      apiFinding: { ruleId: statefulSetApiVersion.id, action: statefulSetApiVersion.defaultAction, error },
      unserved,
    };
  }
  return {
    reviewed: false,
    note: `skipped a ${kind} of apiVersion ${JSON.stringify(apiVersion ?? null)}: only ${apiVersionOf(kind)} exists`,
  };
}

/**
 * Why the API server would refuse a PodDisruptionBudget manifest's `apiVersion`, or undefined when it serves it.
 * policy/v1beta1 is not served since Kubernetes 1.25 (policy/v1 since 1.21); such a budget still counts in the cluster
 * view of `check`, as the policy/v1 budget it has to become.
 */
export function unservedBudgetVersion(object: Record<string, unknown>): string | undefined {
  const named = kindOf(object);
  // Another version of the policy group is a budget the view keeps (cluster/kinds.ts's clusterKindOfObject).
  if (named?.kind !== "PodDisruptionBudget" || named.apiVersion !== "other version") return undefined;
  const { kind } = named;
  const { apiVersion } = object;
  const name = (object.metadata as { name?: unknown } | undefined)?.name;
  const subject = `PodDisruptionBudget ${JSON.stringify(typeof name === "string" ? name : "")}`;
  const change = `change apiVersion to ${apiVersionOf(kind)}`;
  if (apiVersion === "policy/v1beta1") {
    return `${subject}: policy/v1beta1 is no longer served since Kubernetes 1.25; ${change} (where an empty selector selects every pod of the namespace, and none in policy/v1beta1)`;
  }
  return `${subject}: apiVersion ${JSON.stringify(apiVersion)} is not served; ${change}`;
}
