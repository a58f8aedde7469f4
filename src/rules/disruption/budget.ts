/**
 * What a PodDisruptionBudget allows, shared by the rules that judge budgets from either side: the StatefulSet's
 * (statefulset-disruption-budget) and the budget's own (the disruption-budget-* rules). Both must agree on the same pair.
 */
import type { ClusterView, Lookup, PodDisruptionBudgetRecord, StatefulSetRecord } from "../../cluster/view.js";
import { intOrPercent, selectorRecord } from "../../cluster/records.js";
import type { PodDisruptionBudget } from "../../k8s/objects.js";
import { intOrPercentErrors } from "../../k8s/validation/policy.js";
import { scaledIntOrPercent } from "../../k8s/int-or-percent.js";
import { selectorMatches } from "../../k8s/selector.js";

type Allowance = Pick<PodDisruptionBudgetRecord, "minAvailable" | "maxUnavailable">;

/** A budget's value against `replicas` as the disruption controller scales it (pkg/controller/disruption: rounded up). */
const scaled = (value: number | string, replicas: number) => scaledIntOrPercent(value, replicas, true);

/** Why the API server refuses a value of the budget (ValidatePodDisruptionBudgetSpec), or undefined when it is valid. */
export function refusedValue(field: "minAvailable" | "maxUnavailable", value: number | string | null): string | undefined {
  if (value === null) return undefined;
  const [reason] = intOrPercentErrors(value);
  return reason === undefined ? undefined : `${field}: ${JSON.stringify(value)}: ${reason}`;
}

/** The first value of the budget the API server refuses, said as it would, or undefined. */
export const refusedAllowance = (budget: Allowance): string | undefined =>
  refusedValue("maxUnavailable", budget.maxUnavailable) ?? refusedValue("minAvailable", budget.minAvailable);

/** Why the budget lets no replica be evicted when all `replicas` are healthy, or undefined when it lets one go. */
export function blocksEviction(budget: Allowance, replicas: number): string | undefined {
  const { maxUnavailable, minAvailable } = budget;
  if (maxUnavailable !== null) {
    const allowed = scaled(maxUnavailable, replicas);
    return allowed !== undefined && allowed <= 0 ? `maxUnavailable: ${JSON.stringify(maxUnavailable)}` : undefined;
  }
  if (minAvailable !== null) {
    const desired = scaled(minAvailable, replicas);
    if (desired === undefined || desired < replicas) return undefined;
    const rounded = typeof minAvailable === "string" ? `, rounded up to ${desired}` : "";
    return `minAvailable: ${JSON.stringify(minAvailable)}${rounded} of ${replicas} replicas`;
  }
  return undefined;
}

/** Whether a budget's selector selects the pods of a StatefulSet: a null selector selects no pod, `{}` every pod. */
export const selectsPods = (selector: PodDisruptionBudgetRecord["selector"], labels: Record<string, string> | null): boolean =>
  selector !== null && selectorMatches(selector, labels ?? {});

/** The StatefulSets of `namespace` whose pods the selector selects; unknown when the view has not listed them. */
export async function selectedStatefulSets(
  cluster: ClusterView,
  namespace: string,
  selector: PodDisruptionBudgetRecord["selector"],
): Promise<Lookup<StatefulSetRecord[]>> {
  const lookup = await cluster.list("StatefulSet", namespace);
  if (lookup.state !== "found") return lookup;
  return { state: "found", value: lookup.value.filter((set) => selectsPods(selector, set.templateLabels)) };
}

export const quotedNames = (records: readonly { name: string }[]) => records.map((r) => JSON.stringify(r.name)).join(", ");

/** The budget under review as the cluster view records budgets, so both sides read one shape. */
export function reviewedBudget(object: PodDisruptionBudget, namespace: string): PodDisruptionBudgetRecord {
  const spec = object.spec;
  return {
    namespace,
    name: object.metadata?.name ?? "",
    selector: selectorRecord(spec?.selector),
    minAvailable: intOrPercent(spec?.minAvailable),
    maxUnavailable: intOrPercent(spec?.maxUnavailable),
  };
}
