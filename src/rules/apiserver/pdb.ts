import * as z from "zod";
import { defineRule } from "../../engine/types.js";
import { validatePodDisruptionBudget } from "../../k8s/validation/policy.js";

export const pdbApiValidation = defineRule({
  id: "disruption-budget-api-validation",
  summary:
    "The PodDisruptionBudget passes the API server's own validation: not both minAvailable and maxUnavailable, each a non-negative integer or a percentage of at most 100%, a known unhealthyPodEvictionPolicy, valid labels, annotations and selector.",
  rationale:
    "kubectl apply would be refused for these (kubernetes/kubernetes pkg/apis/policy/validation: ValidatePodDisruptionBudgetSpec), so a check that passes them lets a CI run go green before a deploy that fails; maxUnavailable: -1 is refused outright, not a budget that allows no eviction. In a cluster the API server refuses these before any validating webhook runs; the rule matters for stateward check.",
  fix: "Set one of minAvailable and maxUnavailable, to an integer of 0 or more or a percentage such as 50%; unhealthyPodEvictionPolicy is AlwaysAllow or IfHealthyBudget.",
  kinds: ["PodDisruptionBudget"],
  defaultAction: "deny",
  params: z.object({}),
  check({ object }) {
    return validatePodDisruptionBudget(object);
  },
  cel: { notExported: "the API server refuses what it finds itself, before any admission policy runs" },
});
