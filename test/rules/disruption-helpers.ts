/** Shared helpers of the PodDisruptionBudget rule tests: a budget reviewed against StatefulSets and budgets of the view. */
import { parseAllDocuments } from "yaml";
import { podDisruptionBudgetRecord, statefulSetRecord } from "../../src/cluster/records.js";
import { type ClusterSnapshot, type ClusterView, memoryClusterView } from "../../src/cluster/view.js";
import { formatFinding } from "../../src/engine/finding.js";
import type { PodDisruptionBudget, StatefulSet } from "../../src/k8s/objects.js";
import { engineFindings, findingsOf } from "./run.js";

export const documents = (text: string) =>
  parseAllDocuments(text)
    .map((doc) => doc.toJS() as Record<string, unknown> | null)
    .filter((doc): doc is Record<string, unknown> => doc !== null);

/** A StatefulSet whose pods carry `labels`. */
export function statefulSet(name: string, replicas: number | undefined, labels: Record<string, string>): StatefulSet {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name, namespace: "default" },
    spec: {
      ...(replicas === undefined ? {} : { replicas }),
      serviceName: name,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name, image: "postgres:16" }] } },
    },
  };
}

export function budget(name: string, spec: Record<string, unknown>): PodDisruptionBudget {
  return { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name, namespace: "default" }, spec } as PodDisruptionBudget;
}

/** The cluster view of `objects` (StatefulSets and budgets) as a sync would record them. */
export function viewOf(objects: readonly Record<string, unknown>[], snapshot: ClusterSnapshot = {}): ClusterView {
  return memoryClusterView({
    statefulSets: objects.filter((o) => o.kind === "StatefulSet").map((o) => statefulSetRecord(o)!),
    podDisruptionBudgets: objects.filter((o) => o.kind === "PodDisruptionBudget").map((o) => podDisruptionBudgetRecord(o)!),
    ...snapshot,
  });
}

/** The findings of `ruleId` on `object` (a budget) reviewed against `cluster`, as the webhook words them. */
export async function budgetFindings(ruleId: string, object: PodDisruptionBudget, cluster: ClusterView): Promise<string[]> {
  const findings = await engineFindings({
    subject: { kind: "PodDisruptionBudget", object, oldObject: undefined },
    namespace: "default",
    cluster,
  });
  return findingsOf(ruleId, findings).map((f) => formatFinding(f));
}
