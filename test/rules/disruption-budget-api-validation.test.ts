import { describe, expect, it } from "vitest";
import { emptyClusterView } from "../../src/cluster/view.js";
import { budget, budgetFindings } from "./disruption-helpers.js";

const id = "disruption-budget-api-validation";
const selector = { matchLabels: { app: "db" } };
const findings = (spec: Record<string, unknown>) => budgetFindings(id, budget("db", { selector, ...spec }), emptyClusterView());

/** The errors as kubernetes/kubernetes pkg/apis/policy/validation (ValidatePodDisruptionBudgetSpec) words them. */
describe(id, () => {
  it("accepts what the API server accepts", async () => {
    for (const spec of [{ minAvailable: 0 }, { maxUnavailable: 1 }, { minAvailable: "100%" }, { maxUnavailable: "0%" }, {}]) {
      expect(await findings(spec), JSON.stringify(spec)).toEqual([]);
    }
    expect(await findings({ maxUnavailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow" })).toEqual([]);
  });

  it("refuses maxUnavailable: -1 outright (not a budget that allows no eviction)", async () => {
    expect(await findings({ maxUnavailable: -1 })).toEqual([`spec.maxUnavailable: Invalid value: -1: must be greater than or equal to 0 [${id}]`]);
  });

  it("refuses a percentage over 100%, a string that is no percentage, and both fields set", async () => {
    expect(await findings({ minAvailable: "110%" })).toEqual([`spec.minAvailable: Invalid value: "110%": must not be greater than 100% [${id}]`]);
    expect(await findings({ maxUnavailable: "1/2" })).toEqual([
      `spec.maxUnavailable: Invalid value: "1/2": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%') [${id}]`,
    ]);
    expect(await findings({ minAvailable: 1, maxUnavailable: 1 })).toEqual([
      `spec: Invalid value: {"minAvailable":1,"maxUnavailable":1}: minAvailable and maxUnavailable cannot be both set [${id}]`,
    ]);
  });

  it("refuses an unknown unhealthyPodEvictionPolicy", async () => {
    expect(await findings({ maxUnavailable: 1, unhealthyPodEvictionPolicy: "Always" })).toEqual([
      `spec.unhealthyPodEvictionPolicy: Unsupported value: "Always": supported values: "AlwaysAllow", "IfHealthyBudget" [${id}]`,
    ]);
  });
});
