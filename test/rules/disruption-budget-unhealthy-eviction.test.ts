import { describe, expect, it } from "vitest";
import { budget, budgetFindings, statefulSet, viewOf } from "./disruption-helpers.js";

const id = "disruption-budget-unhealthy-eviction";

describe(id, () => {
  const cluster = viewOf([statefulSet("db", 3, { app: "db" })]);
  const selector = { matchLabels: { app: "db" } };

  it("advises choosing a policy when it is unset on a budget over a StatefulSet's pods", async () => {
    expect(await budgetFindings(id, budget("db", { maxUnavailable: 1, selector }), cluster)).toEqual([
      `spec.unhealthyPodEvictionPolicy: Required value: IfHealthyBudget by default: a not-Ready replica of StatefulSet "db" is evicted only while the budget has room, so one can stall drains; AlwaysAllow evicts it anyway [${id}]`,
    ]);
  });

  it("says nothing once either policy is chosen, or for a budget over no StatefulSet's pods", async () => {
    for (const policy of ["AlwaysAllow", "IfHealthyBudget"]) {
      expect(await budgetFindings(id, budget("db", { maxUnavailable: 1, selector, unhealthyPodEvictionPolicy: policy }), cluster)).toEqual([]);
    }
    expect(await budgetFindings(id, budget("web", { maxUnavailable: 1, selector: { matchLabels: { app: "web" } } }), cluster)).toEqual([]);
  });
});
