import * as z from "zod";
import { advisory, defineRule } from "../../engine/types.js";
import { FieldPath, required } from "../../k8s/field.js";
import { quotedNames, reviewedBudget, selectedStatefulSets } from "./budget.js";

export const disruptionBudgetUnhealthyEviction = defineRule({
  id: "disruption-budget-unhealthy-eviction",
  summary: "A PodDisruptionBudget over a StatefulSet's pods says how drains treat replicas that are not Ready (spec.unhealthyPodEvictionPolicy).",
  rationale:
    "Left unset, IfHealthyBudget applies: a Running replica that is not Ready can be evicted only while the application is not already disrupted (status.currentHealthy at least status.desiredHealthy), so one replica stuck not Ready can stall every drain. AlwaysAllow lets a drain evict Running replicas that are not Ready whatever the budget, which Kubernetes recommends so that misbehaving pods do not block drains; but a replica that was about to become Ready (one catching up with its quorum) may then not get the chance. Either can be right for a stateful system, so this is advice to choose on purpose, given only while the field is unset.",
  fix: "Set spec.unhealthyPodEvictionPolicy: AlwaysAllow (drains never wait on a not-Ready replica) or IfHealthyBudget (a not-Ready replica is evicted only while the budget has room).",
  kinds: ["PodDisruptionBudget"],
  defaultAction: "warn",
  params: z.object({}),
  async check({ object, namespace, cluster }) {
    if (object.spec?.unhealthyPodEvictionPolicy) return [];
    const budget = reviewedBudget(object, namespace);
    const selected = await selectedStatefulSets(cluster, namespace, budget.selector);
    if (selected.state !== "found" || selected.value.length === 0) return [];
    const sets = selected.value.length === 1 ? `StatefulSet ${quotedNames(selected.value)}` : `StatefulSets ${quotedNames(selected.value)}`;
    // Kept short: the API server shows a warning of at most 256 characters.
    return [
      advisory(
        required(
          FieldPath.root("spec", "unhealthyPodEvictionPolicy"),
          `IfHealthyBudget by default: a not-Ready replica of ${sets} is evicted only while the budget has room, so one can stall drains; AlwaysAllow evicts it anyway`,
        ),
      ),
    ];
  },
  cel: { notExported: "it looks up the StatefulSets whose pods the budget selects (the advice is given only for those)" },
});
