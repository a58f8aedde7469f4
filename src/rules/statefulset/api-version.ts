/**
 * A manifest's StatefulSet in an API version clusters no longer serve. The API server rejects it before any webhook
 * runs, so only `stateward check` sees it: it reports the version and checks the object as apps/v1, the version the
 * user has to move it to, so the migration's own problems show up in the same run.
 */
import type { BuiltInCheck, RepairOutcome } from "../../engine/types.js";
import type { FieldChange } from "../../engine/change.js";
import { type FieldError, FieldPath, notSupported, required } from "../../k8s/field.js";

export const statefulSetApiVersion: BuiltInCheck = {
  id: "statefulset-api-version",
  summary: "A StatefulSet uses apiVersion apps/v1, the only version Kubernetes 1.16 and later serve.",
  rationale:
    "apps/v1beta1 and apps/v1beta2 were removed in Kubernetes 1.16: the API server rejects such a manifest before any webhook sees it.",
  fix:
    "Change apiVersion to apps/v1. apps/v1 requires spec.selector (apps/v1beta1 derived it from the template labels) and defaults updateStrategy to RollingUpdate (apps/v1beta1: OnDelete).",
  kinds: ["StatefulSet"],
  defaultAction: "deny",
  runs: "offline",
  autofix: {
    summary:
      "apps/v1beta1 and apps/v1beta2 become apps/v1. For apps/v1beta1 the fix also writes what that version defaulted and apps/v1 does not, where the manifest leaves it out, so the set behaves as before: spec.selector.matchLabels as the pod template's labels, and updateStrategy OnDelete. apps/v1beta2 already required the selector and defaulted RollingUpdate, as apps/v1 does.",
    of: (object) => toAppsV1(object),
  },
};

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** The changes that move a StatefulSet manifest to apps/v1 without changing what it does (see the summary above). */
function toAppsV1(object: Record<string, unknown>): RepairOutcome {
  const { apiVersion } = object;
  const by = "statefulset-api-version";
  const changes: FieldChange[] = [{ path: FieldPath.root("apiVersion"), value: "apps/v1", by }];
  if (apiVersion === undefined || apiVersion === null || apiVersion === "" || apiVersion === "apps/v1beta2") return { changes };
  if (apiVersion !== "apps/v1beta1") return { refused: `${JSON.stringify(apiVersion)} was never a version of StatefulSet, so what it meant is unknown` };
  const spec = isRecord(object.spec) ? object.spec : {};
  if (spec.selector === undefined || spec.selector === null) {
    const template = isRecord(spec.template) ? spec.template : {};
    const labels = isRecord(template.metadata) && isRecord(template.metadata.labels) ? template.metadata.labels : {};
    if (Object.keys(labels).length === 0) return { refused: "apps/v1 requires spec.selector, and the pod template has no labels for it to match" };
    changes.push({ path: FieldPath.root("spec", "selector"), value: { matchLabels: { ...labels } }, by });
  }
  if (spec.updateStrategy === undefined || spec.updateStrategy === null) {
    changes.push({ path: FieldPath.root("spec", "updateStrategy"), value: { type: "OnDelete" }, by });
  }
  return { changes };
}

/** Versions of StatefulSet that Kubernetes served once and removed in 1.16. */
const removedVersions = new Set(["apps/v1beta1", "apps/v1beta2"]);

/** The error of a StatefulSet manifest's `apiVersion` that is not apps/v1, and the same said in a sentence. */
export function unservedApiVersion(apiVersion: unknown): { error: FieldError; unserved: string } {
  const path = FieldPath.root("apiVersion");
  if (apiVersion === undefined || apiVersion === null || apiVersion === "") {
    return {
      error: required(path, "set apiVersion: apps/v1; the API server rejects an object without one"),
      unserved: "it has no apiVersion; set apiVersion: apps/v1",
    };
  }
  const detail = removedVersions.has(String(apiVersion))
    ? `${String(apiVersion)} is no longer served since Kubernetes 1.16; change apiVersion to apps/v1`
    : "change apiVersion to apps/v1";
  return { error: notSupported(path, apiVersion, ["apps/v1"], detail), unserved: `apiVersion ${JSON.stringify(apiVersion)}: ${detail}` };
}
