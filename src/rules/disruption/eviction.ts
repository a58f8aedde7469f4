import * as z from "zod";
import { advisory, defineRule, type RuleIssue } from "../../engine/types.js";
import { FieldPath, invalid, unverified } from "../../k8s/field.js";
import { blocksEviction, refusedAllowance, reviewedBudget, selectedStatefulSets } from "./budget.js";

export const disruptionBudgetEviction = defineRule({
  id: "disruption-budget-eviction",
  summary: "A PodDisruptionBudget over a StatefulSet's pods lets at least one of its replicas be evicted, at the StatefulSet's replica count.",
  rationale:
    "A budget that allows no disruption (maxUnavailable 0 or 0%, or minAvailable at or above the replicas, a percentage rounded up as the disruption controller does) makes every node drain wait forever for a pod it may never evict (kube-linter: pdb-max-unavailable, pdb-min-available; Gatekeeper library: k8spoddisruptionbudget). A budget is often written before or apart from its StatefulSet, so it is judged here against the replicas of every StatefulSet of the cluster view it selects, as statefulset-disruption-budget judges the same pair from the StatefulSet's side.",
  fix: "Set maxUnavailable: 1, or minAvailable below the StatefulSet's replicas (the quorum size), or scale the StatefulSet up first.",
  kinds: ["PodDisruptionBudget"],
  defaultAction: "warn",
  params: z.object({}),
  async check({ object, namespace, cluster }) {
    const budget = reviewedBudget(object, namespace);
    // The API server refuses such a value (ValidatePodDisruptionBudgetSpec) before any webhook sees the budget.
    if (refusedAllowance(budget)) return [];
    const field = budget.maxUnavailable !== null ? "maxUnavailable" : budget.minAvailable !== null ? "minAvailable" : undefined;
    if (!field) return [];
    const path = FieldPath.root("spec", field);
    const value = budget[field];
    const selected = await selectedStatefulSets(cluster, namespace, budget.selector);
    // What a budget selects, or that it could not be verified, is disruption-budget-selector's finding.
    if (selected.state !== "found") return [];
    const issues: RuleIssue[] = [];
    for (const set of selected.value) {
      if (set.replicas === undefined) {
        issues.push(advisory(unverified(path, `the replicas of StatefulSet "${set.name}"`, "the cluster view's record of it predates them")));
        continue;
      }
      if (set.replicas < 1) continue;
      const blocked = blocksEviction(budget, set.replicas);
      if (blocked) {
        issues.push(
          invalid(path, value, `allows no eviction of StatefulSet "${set.name}"'s pods (${blocked}), so node drains wait forever`),
        );
      }
    }
    return issues;
  },
  cel: { notExported: "it looks up the StatefulSets whose pods the budget selects" },
});
