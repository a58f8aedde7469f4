import * as z from "zod";
import { advisory, defineRule } from "../../engine/types.js";
import { FieldPath, notFound, required, unverified } from "../../k8s/field.js";
import { reviewedBudget, selectedStatefulSets } from "./budget.js";

const selectorPath = FieldPath.root("spec", "selector");

export const disruptionBudgetSelector = defineRule({
  id: "disruption-budget-selector",
  summary: "A PodDisruptionBudget has a selector, and (as advice) selects the pods of a StatefulSet of its namespace.",
  rationale:
    "In policy/v1 a budget without a selector selects no pod, so it protects nothing while looking like it does. A budget whose selector matches no StatefulSet's pod template usually has a typo in a label; but it may guard a Deployment's pods, which the cluster view does not hold, so that is advice only, and when the view has not listed StatefulSets the rule says it could not verify.",
  fix: "Write spec.selector.matchLabels with the labels of the StatefulSet's spec.template.metadata.labels.",
  kinds: ["PodDisruptionBudget"],
  defaultAction: "warn",
  params: z.object({}),
  async check({ object, namespace, cluster }) {
    const budget = reviewedBudget(object, namespace);
    if (budget.selector === null) {
      return [required(selectorPath, "a PodDisruptionBudget without a selector selects no pod (policy/v1), so it protects nothing")];
    }
    const selected = await selectedStatefulSets(cluster, namespace, budget.selector);
    if (selected.state === "unknown") return [advisory(unverified(selectorPath, "the StatefulSets it selects", selected.reason))];
    if (selected.state === "not-found" || selected.value.length > 0) return [];
    return [
      advisory(
        notFound(
          selectorPath,
          object.spec?.selector,
          `selects no StatefulSet's pods in namespace "${namespace}" (fine if it guards a Deployment's pods, which Stateward does not see)`,
        ),
      ),
    ];
  },
  cel: { notExported: "it looks up the namespace's StatefulSets" },
});
