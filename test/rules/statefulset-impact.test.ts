/**
 * statefulset-impact through the webhook's handler: each scenario of issue 25 as an UPDATE request with the status the
 * controller writes (test/fixtures/rollouts.ts); test/cluster/impact.worker.test.ts sends the same ones to the Worker.
 */
import { describe, expect, it } from "vitest";
import { reviewAdmission } from "../../src/admission/handler.js";
import { emptyClusterView } from "../../src/cluster/view.js";
import { maxWarningLength } from "../../src/engine/finding.js";
import type { AdmissionRequest } from "../../src/k8s/admission.js";
import { rolloutSettings } from "../../src/k8s/rollout.js";
import { buildPolicy } from "../../src/policy/policy.js";
import { impactScenarios, newImage, updateOf } from "../fixtures/rollouts.js";
import { baseStatefulSet, none, runRule } from "./helpers.js";

const id = "statefulset-impact";
const policy = buildPolicy({});

async function warningsOf(request: unknown, document: unknown = {}) {
  const outcome = await reviewAdmission(request as AdmissionRequest, "validate", { policy: buildPolicy(document), cluster: emptyClusterView() });
  return outcome.response.warnings ?? [];
}

describe(id, () => {
  for (const scenario of impactScenarios) {
    it(`${scenario.name}`, async () => {
      const warnings = await warningsOf(scenario.review().request);
      const impact = warnings.filter((w) => w.endsWith(`[${id}]`));
      expect(impact).toEqual(scenario.warning === undefined ? [] : [scenario.warning]);
      for (const w of impact) expect(w.length).toBeLessThanOrEqual(maxWarningLength);
    });
  }

  it("comes first among the advice: only checks that did not run and softened denials go before it", async () => {
    const warnings = await warningsOf(updateOf({ change: newImage }).request);
    const at = warnings.findIndex((w) => w.endsWith(`[${id}]`));
    expect(at).toBeGreaterThanOrEqual(0);
    // The empty cluster view cannot verify the Service: that warning ranks first, as every "could not verify" does.
    expect(warnings.slice(0, at).every((w) => w.includes(": could not verify "))).toBe(true);
  });

  it("runs on UPDATE only: a CREATE has nothing to compare", async () => {
    expect(await runRule(id, baseStatefulSet(), { operation: "CREATE" })).toEqual(none);
  });

  it("can be switched off by a policy", async () => {
    const warnings = await warningsOf(updateOf({ change: newImage }).request, { rules: { [id]: { action: "off" } } });
    expect(warnings.filter((w) => w.endsWith(`[${id}]`))).toEqual([]);
  });

  it("names the ordinals of spec.ordinals.start, and a long list by its ends", async () => {
    const old = baseStatefulSet();
    old.spec!.replicas = 12;
    old.spec!.ordinals = { start: 5 };
    const updated = structuredClone(old);
    updated.spec!.template!.spec!.containers![0]!.image = "nginx:1.28";
    updated.spec!.updateStrategy = { type: "RollingUpdate", rollingUpdate: { partition: 10 } };
    expect((await runRule(id, updated, { oldObject: old })).warnings).toEqual([
      "spec.template: template, updateStrategy change: the controller restarts web-16, web-15, highest ordinal first, one at a time, each once Ready; keeps web-5, web-6, ..., web-14 (10 pods) on the old revision (partition 10) [statefulset-impact]",
    ]);
  });

  it("takes the same small memory for any replicas: a scale-down from int32's largest names its ends", async () => {
    const old = baseStatefulSet();
    old.spec!.replicas = 2_147_483_647;
    const updated = structuredClone(old);
    updated.spec!.replicas = 1;
    expect((await runRule(id, updated, { oldObject: old })).warnings).toEqual([
      "spec.replicas: replicas 2147483647 -> 1 change: the controller deletes web-2147483646, web-2147483645, ..., web-1 (2147483646 pods), highest first [statefulset-impact]",
    ]);
    updated.spec!.template!.spec!.containers![0]!.image = "nginx:1.28";
    updated.spec!.replicas = 2_147_483_647;
    updated.spec!.ordinals = { start: 3 };
    expect((await runRule(id, updated, { oldObject: old })).warnings).toEqual([
      "spec.template: replicas 2147483647 -> 2147483647, template change: the controller deletes web-2, web-1, web-0, highest first; creates web-2147483647, web-2147483648, web-2147483649 in order, each once the one before is Ready; restarts web-2147483646, web-2147483645, ..., web-3 (2147483644 pods), highest ordinal first, one at a time, each once Ready [statefulset-impact]",
    ]);
  });

  it("resolves maxUnavailable as the controller does: a percentage of replicas rounded down, at least 1", () => {
    const settings = (maxUnavailable: number | string, replicas: number) => {
      const s = baseStatefulSet();
      s.spec!.replicas = replicas;
      s.spec!.updateStrategy = { type: "RollingUpdate", rollingUpdate: { maxUnavailable } };
      return rolloutSettings(s).maxUnavailable;
    };
    expect([settings("40%", 5), settings("10%", 3), settings("100%", 4), settings(3, 4), settings("1%", 0)]).toEqual([2, 1, 4, 3, 1]);
    // getStatefulSetMaxUnavailable scales with roundUp false: 50% of 3 is 1 pod at a time, not 2.
    expect([settings("50%", 3), settings("30%", 5), settings("99%", 10)]).toEqual([1, 1, 9]);
  });

  it("leaves a policy that does not know the rule unaffected (the built-in policy has it on, at warn)", () => {
    const scope = policy.forNamespace("default");
    expect(scope.rules.find((r) => r.rule.id === id)?.action).toBe("warn");
  });
});
