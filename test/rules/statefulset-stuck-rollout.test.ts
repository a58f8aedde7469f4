/** statefulset-stuck-rollout through the webhook's handler, on the rollout sequences of test/fixtures/rollouts.ts. */
import { describe, expect, it } from "vitest";
import { reviewAdmission } from "../../src/admission/handler.js";
import { emptyClusterView } from "../../src/cluster/view.js";
import { maxWarningLength } from "../../src/engine/finding.js";
import type { AdmissionRequest } from "../../src/k8s/admission.js";
import { buildPolicy } from "../../src/policy/policy.js";
import { fixStuckRollout, newImage, settled, stuckOnTopPod, stuckWarning, updateOf } from "../fixtures/rollouts.js";

const id = "statefulset-stuck-rollout";

async function answer(request: unknown, document: unknown = {}) {
  const outcome = await reviewAdmission(request as AdmissionRequest, "validate", { policy: buildPolicy(document), cluster: emptyClusterView() });
  const warnings = (outcome.response.warnings ?? []).filter((w) => w.endsWith(`[${id}]`));
  return { allowed: outcome.response.allowed, warnings, message: outcome.response.status?.message };
}

describe(id, () => {
  it("names the pod the controller waits for when a fixed template meets a rollout stuck on it", async () => {
    const result = await answer(fixStuckRollout().request);
    expect(result).toEqual({ allowed: true, warnings: [stuckWarning], message: undefined });
    expect(stuckWarning.length).toBeLessThanOrEqual(maxWarningLength);
  });

  it("denies when a policy says so, with the same words", async () => {
    const result = await answer(fixStuckRollout().request, { rules: { [id]: { action: "deny" } } });
    expect(result.allowed).toBe(false);
    expect(result.message).toBe(`StatefulSet "web" is invalid: ${stuckWarning}`);
  });

  it("names the lowest updated pod: the rollout had got past web-2 and stopped at web-1", async () => {
    const status = { ...stuckOnTopPod(), updatedReplicas: 2, currentReplicas: 1 };
    const result = await answer(updateOf({ status, change: newImage }).request);
    expect(result.warnings).toEqual([stuckWarning.replaceAll("web-2", "web-1")]);
  });

  it("says nothing of a finished rollout, of a change that leaves the template alone, or under Parallel", async () => {
    expect((await answer(updateOf({ change: newImage }).request)).warnings).toEqual([]);
    expect((await answer(updateOf({ status: settled(3), change: newImage }).request)).warnings).toEqual([]);
    const scaleOnly = updateOf({ status: stuckOnTopPod(), change: (s) => void (s.spec.replicas = 4) });
    expect((await answer(scaleOnly.request)).warnings).toEqual([]);
    const parallel = updateOf({
      status: stuckOnTopPod(),
      old: (s) => void (s.spec.podManagementPolicy = "Parallel"),
      change: newImage,
    });
    expect((await answer(parallel.request)).warnings).toEqual([]);
  });

  it("ignores a status that does not have the controller's shape", async () => {
    const garbled = updateOf({ status: { replicas: "three", updateRevision: 7 }, change: newImage });
    expect(await answer(garbled.request)).toEqual({ allowed: true, warnings: [], message: undefined });
  });
});
