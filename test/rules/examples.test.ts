/**
 * Every example of docs/rules.md, replayed through the webhook's handler: the base StatefulSet of the rollout
 * fixtures with `before` laid over it is the live object, `after` laid over that is the update, and `cluster` is what
 * the cluster view holds. The rule's finding must read exactly as the example says (or there must be none).
 */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { reviewAdmission } from "../../src/admission/handler.js";
import { appliedOver } from "../../src/cli/plan.js";
import { type ClusterKind, clusterKindOfObject, type KindRecords, recordOf } from "../../src/cluster/kinds.js";
import { memoryClusterView } from "../../src/cluster/view.js";
import { formatFieldError } from "../../src/k8s/field.js";
import type { AdmissionRequest } from "../../src/k8s/admission.js";
import { buildPolicy } from "../../src/policy/policy.js";
import { checks } from "../../src/rules/index.js";
import { type StatefulSetJson, updateOf } from "../fixtures/rollouts.js";

const policy = buildPolicy({});

function clusterOf(yaml: string | undefined) {
  const records: Partial<Record<ClusterKind, unknown[]>> = {};
  for (const object of (yaml ? parse(yaml) : []) as Record<string, unknown>[]) {
    const kind = clusterKindOfObject(object.apiVersion, object.kind);
    if (kind) (records[kind] ??= []).push(recordOf(kind, object));
  }
  return memoryClusterView({
    ...(records.StorageClass ? { storageClasses: records.StorageClass as KindRecords["StorageClass"][] } : {}),
    ...(records.PersistentVolumeClaim ? { persistentVolumeClaims: records.PersistentVolumeClaim as KindRecords["PersistentVolumeClaim"][] } : {}),
  });
}

const withExamples = checks.filter((check) => (check.examples ?? []).length > 0);

describe("the rules' examples in docs/rules.md", () => {
  it("exist for the rules that judge a change", () => {
    expect(withExamples.map((c) => c.id)).toEqual([
      "statefulset-impact",
      "statefulset-stuck-rollout",
      "statefulset-protect-claims",
      "statefulset-immutable-fields",
    ]);
  });

  for (const check of withExamples) {
    for (const example of check.examples!) {
      it(`${check.id}: ${example.title}`, async () => {
        const request = updateOf({ change: () => {} }).request;
        const old = appliedOver(request.oldObject, parse(example.before)) as StatefulSetJson;
        const updated = appliedOver(old, parse(example.after)) as StatefulSetJson;
        const outcome = await reviewAdmission({ ...request, oldObject: old, object: updated } as unknown as AdmissionRequest, "validate", {
          policy,
          cluster: clusterOf(example.cluster),
        });
        const said = outcome.findings.filter((f) => f.ruleId === check.id).map((f) => formatFieldError(f.error));
        expect(said).toEqual(example.says === null ? [] : [example.says]);
      });
    }
  }
});
