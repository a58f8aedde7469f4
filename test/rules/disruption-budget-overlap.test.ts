import { describe, expect, it } from "vitest";
import { budget, budgetFindings, statefulSet, viewOf } from "./disruption-helpers.js";

const id = "disruption-budget-overlap";

describe(id, () => {
  const labels = { app: "db", tier: "data" };
  const set = statefulSet("db", 3, labels);

  it("warns when another budget of the namespace selects the same StatefulSet's pods", async () => {
    const mine = budget("db", { maxUnavailable: 1, selector: { matchLabels: { app: "db" } } });
    const other = budget("data", { maxUnavailable: 1, selector: { matchLabels: { tier: "data" } } });
    expect(await budgetFindings(id, mine, viewOf([set, other]))).toEqual([
      `spec.selector: Invalid value: {"matchLabels":{"app":"db"}}: PodDisruptionBudget "data" also selects the pods of StatefulSet "db"; the eviction API refuses to evict a pod with more than one budget, so drains stall [${id}]`,
    ]);
  });

  it("does not count the budget's own stored version, nor budgets over other pods", async () => {
    const mine = budget("db", { maxUnavailable: 1, selector: { matchLabels: { app: "db" } } });
    const web = budget("web", { maxUnavailable: 1, selector: { matchLabels: { app: "web" } } });
    const unselective = budget("none", { maxUnavailable: 1 });
    expect(await budgetFindings(id, mine, viewOf([set, mine, web, unselective]))).toEqual([]);
  });
});
