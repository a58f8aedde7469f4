import * as z from "zod";
import { advisory, defineRule, type RuleIssue } from "../../engine/types.js";
import { FieldPath, invalid, unverified } from "../../k8s/field.js";
import { quotedNames, reviewedBudget, selectedStatefulSets, selectsPods } from "./budget.js";

const selectorPath = FieldPath.root("spec", "selector");

export const disruptionBudgetOverlap = defineRule({
  id: "disruption-budget-overlap",
  summary: "No other PodDisruptionBudget of the namespace selects the pods of a StatefulSet this budget selects.",
  rationale:
    "The eviction API refuses to evict a pod that more than one PodDisruptionBudget selects (pkg/registry/core/pod/storage/eviction.go: \"This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.\"), so every drain of a node running such a pod stalls. statefulset-disruption-budget reports the same pair from the StatefulSet's side.",
  fix: "Keep one budget per StatefulSet: delete the other, or narrow the selectors so that each StatefulSet's pods match one.",
  kinds: ["PodDisruptionBudget"],
  defaultAction: "warn",
  params: z.object({}),
  async check({ object, namespace, cluster }) {
    const budget = reviewedBudget(object, namespace);
    const selected = await selectedStatefulSets(cluster, namespace, budget.selector);
    if (selected.state !== "found" || selected.value.length === 0) return [];
    const budgets = await cluster.list("PodDisruptionBudget", namespace);
    if (budgets.state === "unknown") return [advisory(unverified(selectorPath, "the other PodDisruptionBudgets", budgets.reason))];
    if (budgets.state !== "found") return [];
    // The budget's own stored version (on UPDATE, or a check's input) is itself, not another.
    const others = budgets.value.filter((other) => other.name !== budget.name);
    const issues: RuleIssue[] = [];
    for (const set of selected.value) {
      const also = others.filter((other) => selectsPods(other.selector, set.templateLabels));
      if (also.length === 0) continue;
      const named = also.length === 1 ? `PodDisruptionBudget ${quotedNames(also)} also selects` : `PodDisruptionBudgets ${quotedNames(also)} also select`;
      issues.push(
        invalid(
          selectorPath,
          object.spec?.selector,
          `${named} the pods of StatefulSet "${set.name}"; the eviction API refuses to evict a pod with more than one budget, so drains stall`,
        ),
      );
    }
    return issues;
  },
  cel: { notExported: "it looks up the namespace's other PodDisruptionBudgets" },
});
