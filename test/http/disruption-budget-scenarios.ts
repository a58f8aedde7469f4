/**
 * A PodDisruptionBudget reviewed on its own admission, as one set of cases that both runtimes run:
 * test/http/disruption-budget.test.ts in Node, test/http/disruption-budget.worker.test.ts inside workerd. The cluster
 * view holds the StatefulSet `db` (one replica, pods labelled app: db) and, for the overlap, the budget `db-extra`.
 */
import { describe, expect, it } from "vitest";
import { podDisruptionBudgetRecord, statefulSetRecord } from "../../src/cluster/records.js";
import { type ClusterView, memoryClusterView } from "../../src/cluster/view.js";
import { createApp } from "../../src/http/app.js";
import { loadPolicy } from "../../src/policy/policy.js";
import { appFetcher, post } from "./helpers.js";

const labels = { app: "db" };
const db = {
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: { name: "db", namespace: "team-a" },
  spec: { replicas: 1, serviceName: "db", selector: { matchLabels: labels }, template: { metadata: { labels } } },
};
const budget = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: "policy/v1",
  kind: "PodDisruptionBudget",
  metadata: { name, namespace: "team-a" },
  spec,
});

function appWith(cluster: ClusterView) {
  const policy = loadPolicy(undefined);
  if (!policy.ok) throw new Error(policy.error);
  return appFetcher(createApp({ config: () => ({ token: undefined, policy, cluster }), log: () => undefined }));
}

/** An AdmissionReview of a budget as the API server sends one (policy/v1, poddisruptionbudgets). */
function reviewOf(object: Record<string, unknown>, operation: "CREATE" | "UPDATE" = "CREATE", oldObject?: Record<string, unknown>) {
  const gvk = { group: "policy", version: "v1", kind: "PodDisruptionBudget" };
  const gvr = { group: "policy", version: "v1", resource: "poddisruptionbudgets" };
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: "00000000-0000-4000-8000-00000000pdb1".slice(0, 36),
      kind: gvk,
      resource: gvr,
      requestKind: gvk,
      requestResource: gvr,
      name: (object.metadata as { name: string }).name,
      namespace: "team-a",
      operation,
      userInfo: { username: "kubernetes-admin", groups: ["system:masters", "system:authenticated"] },
      object,
      oldObject: oldObject ?? null,
      dryRun: false,
    },
  };
}

export function disruptionBudgetScenarios(runtime: string) {
  describe(`a PodDisruptionBudget at /validate and /mutate (${runtime})`, () => {
    const extra = budget("db-extra", { maxUnavailable: 1, selector: { matchLabels: labels } });
    const cluster = memoryClusterView({
      statefulSets: [statefulSetRecord(db)!],
      podDisruptionBudgets: [podDisruptionBudgetRecord(extra)!],
    });

    it("warns, never denies, on CREATE of a budget that allows no eviction of the StatefulSet's one replica and overlaps another", async () => {
      const object = budget("db", { minAvailable: 1, selector: { matchLabels: labels } });
      const { status, body } = await post(appWith(cluster), "/validate", reviewOf(object));
      expect(status).toBe(200);
      expect(body.response.allowed).toBe(true);
      expect(body.response.warnings).toEqual([
        `spec.minAvailable: Invalid value: 1: allows no eviction of StatefulSet "db"'s pods (minAvailable: 1 of 1 replicas), so node drains wait forever [disruption-budget-eviction]`,
        `spec.selector: Invalid value: {"matchLabels":{"app":"db"}}: PodDisruptionBudget "db-extra" also selects the pods of StatefulSet "db"; the eviction API refuses to evict a pod with more than one budget, so drains stall [disruption-budget-overlap]`,
        `spec.unhealthyPodEvictionPolicy: Required value: IfHealthyBudget by default: a not-Ready replica of StatefulSet "db" is evicted only while the budget has room, so one can stall drains; AlwaysAllow evicts it anyway [disruption-budget-unhealthy-eviction]`,
      ]);
    });

    it("on UPDATE, does not count the budget's own stored version as a second budget", async () => {
      const object = budget("db-extra", { maxUnavailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow", selector: { matchLabels: labels } });
      const { body } = await post(appWith(cluster), "/validate", reviewOf(object, "UPDATE", extra));
      expect(body.response).toEqual({ uid: expect.any(String), allowed: true });
    });

    it("says it could not verify what a budget selects when the view has no StatefulSets", async () => {
      const object = budget("db", { maxUnavailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow", selector: { matchLabels: labels } });
      const { body } = await post(appWith(memoryClusterView({})), "/validate", reviewOf(object));
      expect(body.response.allowed).toBe(true);
      expect(body.response.warnings).toEqual([
        "spec.selector: could not verify the StatefulSets it selects: StatefulSets have not been synced to the cluster view [disruption-budget-selector]",
      ]);
    });

    it("denies a budget whose fields have the wrong type (object-decoding), as for the other reviewed kinds", async () => {
      const object = budget("db", { maxUnavailable: 1, selector: { matchLabels: "app=db" } });
      const { body } = await post(appWith(cluster), "/validate", reviewOf(object));
      expect(body.response.allowed).toBe(false);
      expect(body.response.status.message).toMatch(/^PodDisruptionBudget "db" is invalid: spec\.selector\.matchLabels: Invalid value: "app=db": .*\[object-decoding\]$/);
    });

    it("answers /mutate with no patch: no default applies to a budget", async () => {
      const object = budget("db", { minAvailable: 1, selector: { matchLabels: labels } });
      const { body } = await post(appWith(cluster), "/mutate", reviewOf(object));
      expect(body.response.allowed).toBe(true);
      expect(body.response.patch).toBeUndefined();
    });
  });
}
