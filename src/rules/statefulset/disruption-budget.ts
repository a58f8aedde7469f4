import * as z from "zod";
import { invalid, notFound, unverified } from "../../k8s/field.js";
import { advisory, defineRule, type RuleIssue } from "../../engine/types.js";
import { podTemplateOf } from "../../k8s/kinds.js";
import { blocksEviction, quotedNames, refusedAllowance, selectsPods } from "../disruption/budget.js";

const params = z.object({
  minReplicas: z
    .number()
    .int()
    .min(2)
    .default(2)
    .describe("Fewest replicas (spec.replicas, 1 when unset) from which the pods need a PodDisruptionBudget."),
});


export const statefulSetDisruptionBudget = defineRule({
  id: "statefulset-disruption-budget",
  summary:
    "A StatefulSet with more than one replica has one PodDisruptionBudget in its namespace that selects its pods and still lets one be evicted; at any replica count, no budget over its pods blocks eviction.",
  rationale:
    "Node drains (upgrades, the cluster autoscaler) evict pods through the eviction API, which honours PodDisruptionBudgets. Without one a drain may evict several replicas of a quorum system at once (kube-score: StatefulSet has PodDisruptionBudget; Kyverno: require-pdb). A budget that allows no disruption (maxUnavailable 0 or 0%, or minAvailable at or above replicas, a percentage rounded up as the disruption controller does) blocks every drain until someone deletes it (Gatekeeper library: k8spoddisruptionbudget); one that sets neither field limits nothing; and the eviction API refuses to evict a pod that more than one budget selects. A StatefulSet below minReplicas needs no budget, but one that blocks eviction (minAvailable: 1 over a single replica) or a second budget still stalls every drain, so they are reported whatever the replicas (kube-linter: pdb-min-available). A value the API server refuses (a negative number, a percentage over 100%) is reported as such.",
  fix: "Create one policy/v1 PodDisruptionBudget in the StatefulSet's namespace whose selector matches spec.template.metadata.labels, with maxUnavailable: 1 (or minAvailable: the quorum size, below replicas). When the rule denies, create the budget before the StatefulSet.",
  kinds: ["StatefulSet"],
  defaultAction: "warn",
  params,
  async check({ kind, object, namespace, cluster, params }) {
    const replicas = object.spec?.replicas ?? 1;
    if (replicas < 1) return [];
    // Fewer replicas need no budget, but one that stalls every drain is still wrong (a single pod under
    // minAvailable: 1 can never be evicted).
    const needsBudget = replicas >= params.minReplicas;
    // What a PodDisruptionBudget selects: the pods, which carry the pod template's labels.
    const pod = podTemplateOf(kind, object);
    const labels = pod.template?.metadata?.labels ?? {};
    const labelsPath = pod.path.child("metadata", "labels");
    const lookup = await cluster.list("PodDisruptionBudget", namespace);
    if (lookup.state !== "found") {
      if (!needsBudget) return [];
      const reason = lookup.state === "unknown" ? lookup.reason : "the cluster view could not list them";
      return [advisory(unverified(labelsPath, "PodDisruptionBudgets", reason))];
    }
    // A null selector selects no pod; an empty one every pod of the namespace (policy/v1).
    const selecting = lookup.value.filter((budget) => selectsPods(budget.selector, labels));
    const issues: RuleIssue[] = [];
    if (selecting.length === 0) {
      if (!needsBudget) return [];
      issues.push(
        notFound(
          labelsPath,
          labels,
          `no PodDisruptionBudget in namespace "${namespace}" selects the pods; a drain may evict several of the ${replicas} replicas at once`,
        ),
      );
    } else if (selecting.length > 1) {
      issues.push(
        invalid(
          labelsPath,
          labels,
          `PodDisruptionBudgets ${quotedNames(selecting)} all select the pods; the eviction API refuses pods with more than one, so drains stall`,
        ),
      );
    } else {
      const budget = selecting[0]!;
      const refused = refusedAllowance(budget);
      const blocked = blocksEviction(budget, replicas);
      if (refused) {
        issues.push(
          invalid(labelsPath, labels, `PodDisruptionBudget "${budget.name}" is one the API server refuses (${refused}); fix it before relying on it`),
        );
      } else if (blocked) {
        issues.push(
          invalid(labelsPath, labels, `PodDisruptionBudget "${budget.name}" allows no eviction (${blocked}), so node drains wait forever`),
        );
      } else if (needsBudget && budget.minAvailable === null && budget.maxUnavailable === null) {
        issues.push(
          invalid(labelsPath, labels, `PodDisruptionBudget "${budget.name}" sets neither minAvailable nor maxUnavailable, so it limits no eviction`),
        );
      }
    }
    return issues;
  },
  cel: { notExported: "it looks up the namespace's PodDisruptionBudgets" },
});
