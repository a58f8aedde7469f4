import { describe, expect, it } from "vitest";
import { emptyClusterView } from "../../src/cluster/view.js";
import { budget, budgetFindings, statefulSet, viewOf } from "./disruption-helpers.js";

const id = "disruption-budget-selector";

describe(id, () => {
  const cluster = viewOf([statefulSet("db", 3, { app: "db" })]);

  it("warns that a budget without a selector selects no pod (policy/v1), whatever the view holds", async () => {
    const expected = [
      `spec.selector: Required value: a PodDisruptionBudget without a selector selects no pod (policy/v1), so it protects nothing [${id}]`,
    ];
    expect(await budgetFindings(id, budget("db", { maxUnavailable: 1 }), cluster)).toEqual(expected);
    expect(await budgetFindings(id, budget("db", { maxUnavailable: 1 }), emptyClusterView())).toEqual(expected);
  });

  it("advises, never denies, when it selects no StatefulSet's pods: it may guard a Deployment's", async () => {
    expect(await budgetFindings(id, budget("web", { maxUnavailable: 1, selector: { matchLabels: { app: "web" } } }), cluster)).toEqual([
      `spec.selector: Not found: {"matchLabels":{"app":"web"}}: selects no StatefulSet's pods in namespace "default" (fine if it guards a Deployment's pods, which Stateward does not see) [${id}]`,
    ]);
  });

  it("says it could not verify when StatefulSets are not synced", async () => {
    const unsynced = viewOf([], { statefulSets: undefined });
    expect(await budgetFindings(id, budget("db", { maxUnavailable: 1, selector: { matchLabels: { app: "db" } } }), unsynced)).toEqual([
      `spec.selector: could not verify the StatefulSets it selects: StatefulSets have not been synced to the cluster view [${id}]`,
    ]);
  });

  it("says nothing of a budget over a StatefulSet's pods, an empty selector ({}) included", async () => {
    expect(await budgetFindings(id, budget("db", { maxUnavailable: 1, selector: { matchLabels: { app: "db" } } }), cluster)).toEqual([]);
    expect(await budgetFindings(id, budget("db", { maxUnavailable: 1, selector: {} }), cluster)).toEqual([]);
  });
});
