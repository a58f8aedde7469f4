/**
 * Which manifests the webhook would review, and as what. A StatefulSet of an API version that clusters no longer
 * serve is reported (the API server would reject it before any webhook runs) and checked as apps/v1, the version the
 * user has to move it to, so the migration's own problems show up in the same run.
 */
import { FieldPath, notSupported, required } from "../k8s/field.js";
import type { Finding } from "../engine/finding.js";
import { apiVersionOf, type ReviewedKind, reviewedKinds } from "../k8s/kinds.js";

export const apiVersionRuleId = "statefulset-api-version";

/** Versions of StatefulSet that Kubernetes served once and removed in 1.16. */
const removedVersions = new Set(["apps/v1beta1", "apps/v1beta2"]);

/** Groups of custom resources are domain names (`apps.kruise.io`); Kubernetes' own groups have no dot. */
function isExtensionGroup(apiVersion: unknown): boolean {
  const text = String(apiVersion);
  return text.includes("/") && text.slice(0, text.indexOf("/")).includes(".");
}

export type Subject =
  | { reviewed: true; kind: ReviewedKind; object: Record<string, unknown>; apiFinding?: Finding; unserved?: string }
  | { reviewed: false; note?: string };

const isReviewedKind = (kind: unknown): kind is ReviewedKind => reviewedKinds.includes(kind as ReviewedKind);

export function subjectOf(object: Record<string, unknown>): Subject {
  const { apiVersion, kind } = object;
  if (!isReviewedKind(kind)) return { reviewed: false };
  if (apiVersion === apiVersionOf(kind)) return { reviewed: true, kind, object };
  if (kind === "StatefulSet") {
    const path = FieldPath.root("apiVersion");
    let error;
    let unserved: string;
    if (apiVersion === undefined || apiVersion === null || apiVersion === "") {
      unserved = "it has no apiVersion; set apiVersion: apps/v1";
      error = required(path, "set apiVersion: apps/v1; the API server rejects an object without one");
    } else if (isExtensionGroup(apiVersion)) {
      // A custom resource's StatefulSet (OpenKruise's, for one) is a different kind that Stateward does not review.
      return { reviewed: false };
    } else {
      const detail = removedVersions.has(String(apiVersion))
        ? `${String(apiVersion)} is no longer served since Kubernetes 1.16; change apiVersion to apps/v1`
        : "change apiVersion to apps/v1";
      unserved = `apiVersion ${JSON.stringify(apiVersion)}: ${detail}`;
      error = notSupported(path, apiVersion, ["apps/v1"], detail);
    }
    return {
      reviewed: true,
      kind,
      object: { ...object, apiVersion: "apps/v1" },
      apiFinding: { ruleId: apiVersionRuleId, action: "deny", error },
      unserved,
    };
  }
  return {
    reviewed: false,
    note: `skipped a ${kind} of apiVersion ${JSON.stringify(apiVersion ?? null)}: only ${apiVersionOf(kind)} exists`,
  };
}

/** Metadata of the findings the offline check adds to the rule registry's, in the registry's shape. */
export const offlineChecks = [
  {
    id: apiVersionRuleId,
    summary: "A StatefulSet uses apiVersion apps/v1, the only version Kubernetes 1.16 and later serve.",
    rationale:
      "apps/v1beta1 and apps/v1beta2 were removed in Kubernetes 1.16: the API server rejects such a manifest before any webhook sees it.",
    fix:
      "Change apiVersion to apps/v1. apps/v1 requires spec.selector (apps/v1beta1 derived it from the template labels) and defaults updateStrategy to RollingUpdate (apps/v1beta1: OnDelete).",
    defaultAction: "deny" as const,
  },
  {
    id: "object-decoding",
    summary: "A StatefulSet or PersistentVolumeClaim has the field types Kubernetes defines.",
    rationale: "The API server rejects an object whose fields have the wrong type, and no rule can judge it.",
    fix: "Correct the field's type as the message says, for example a number where a string is written.",
    defaultAction: "deny" as const,
  },
];
