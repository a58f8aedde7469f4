import { describe, expect, it } from "vitest";
import { formatFinding } from "../../src/engine/finding.js";
import { engineFindings, findingsOf } from "./run.js";
import { budget, budgetFindings, documents, statefulSet, viewOf } from "./disruption-helpers.js";

const id = "disruption-budget-eviction";
const blocks = (field: string, value: string, set: string, why: string) =>
  `spec.${field}: Invalid value: ${value}: allows no eviction of StatefulSet "${set}"'s pods (${why}), so node drains wait forever [${id}]`;

describe(id, () => {
  /**
   * Gatekeeper library, library/general/poddisruptionbudget/samples/poddisruptionbudget/: example_disallowed_max_unavailable.yaml
   * (maxUnavailable: 0), example_disallowed_min_available.yaml (minAvailable: 3) and example_allowed_min_available.yaml
   * (minAvailable: 2), over pods labelled app: nginx of 3 replicas (example_inventory_deployment.yaml, a Deployment
   * there, a StatefulSet here).
   */
  describe("Gatekeeper library's k8spoddisruptionbudget samples", () => {
    const nginx = statefulSet("nginx", 3, { app: "nginx" });
    const cluster = viewOf([nginx]);
    const sample = (spec: string) =>
      documents(`apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: nginx-pdb
  namespace: default
spec:
  ${spec}
  selector:
    matchLabels:
      app: nginx
`)[0] as Parameters<typeof budgetFindings>[1];

    it("maxUnavailable: 0 allows no eviction", async () => {
      expect(await budgetFindings(id, sample("maxUnavailable: 0"), cluster)).toEqual([blocks("maxUnavailable", "0", "nginx", "maxUnavailable: 0")]);
    });
    it("minAvailable: 3 of 3 replicas allows no eviction", async () => {
      expect(await budgetFindings(id, sample("minAvailable: 3"), cluster)).toEqual([
        blocks("minAvailable", "3", "nginx", "minAvailable: 3 of 3 replicas"),
      ]);
    });
    it("minAvailable: 2 of 3 replicas lets one go", async () => {
      expect(await budgetFindings(id, sample("minAvailable: 2"), cluster)).toEqual([]);
    });
  });

  /**
   * Kyverno policies, other/pdb-maxunavailable/resource.yaml (the chainsaw test's resources: good-pdb, good-pdb-none
   * pass; bad-pdb-zero and bad-pdb-negative-one fail), in namespace default, since Stateward's policy exempts
   * kube-system, over StatefulSets of 3 replicas labelled app: good and app: bad. Stateward passes maxUnavailable: -1
   * here because the API server refuses it outright: disruption-budget-api-validation denies it.
   */
  describe("Kyverno policies' pdb-maxunavailable resources", () => {
    const cluster = viewOf([statefulSet("good", 3, { app: "good" }), statefulSet("bad", 3, { app: "bad" })]);
    it("passes maxUnavailable: 2 and a budget that sets neither field", async () => {
      expect(await budgetFindings(id, budget("good-pdb", { maxUnavailable: 2, selector: { matchLabels: { app: "good" } } }), cluster)).toEqual([]);
      expect(await budgetFindings(id, budget("good-pdb-none", { selector: { matchLabels: { app: "good" } } }), cluster)).toEqual([]);
    });
    it("warns on maxUnavailable: 0; maxUnavailable: -1 is disruption-budget-api-validation's denial instead", async () => {
      expect(await budgetFindings(id, budget("bad-pdb-zero", { maxUnavailable: 0, selector: { matchLabels: { app: "bad" } } }), cluster)).toEqual([
        blocks("maxUnavailable", "0", "bad", "maxUnavailable: 0"),
      ]);
      const negative = budget("bad-pdb-negative-one", { maxUnavailable: -1, selector: { matchLabels: { app: "bad" } } });
      expect(await budgetFindings(id, negative, cluster)).toEqual([]);
      expect(await budgetFindings("disruption-budget-api-validation", negative, cluster)).toEqual([
        "spec.maxUnavailable: Invalid value: -1: must be greater than or equal to 0 [disruption-budget-api-validation]",
      ]);
    });
  });

  /** kube-linter, pkg/templates/pdbminavailable/template_test.go (its Deployments as StatefulSets). */
  describe("kube-linter's pdb-min-available cases", () => {
    const labels = { foo: "bar" };
    it("minAvailable: 1 over 1 replica, by matchLabels or by an In expression (TestPDBMinAvailableReplicasEqual)", async () => {
      const cluster = viewOf([statefulSet("test-deploy", 1, labels)]);
      const byLabels = budget("test-pdb", { minAvailable: 1, selector: { matchLabels: labels } });
      const byExpression = budget("test-pdb", {
        minAvailable: 1,
        selector: { matchExpressions: [{ key: "foo", operator: "In", values: ["baz", "bar", "qux"] }] },
      });
      const finding = blocks("minAvailable", "1", "test-deploy", "minAvailable: 1 of 1 replicas");
      expect(await budgetFindings(id, byLabels, cluster)).toEqual([finding]);
      expect(await budgetFindings(id, byExpression, cluster)).toEqual([finding]);
    });
    it("minAvailable: 0 lets every pod go (TestPDBMinAvailableZero)", async () => {
      const cluster = viewOf([statefulSet("test-deploy", 1, labels)]);
      expect(await budgetFindings(id, budget("test-pdb", { minAvailable: 0, selector: { matchLabels: labels } }), cluster)).toEqual([]);
    });
    it("minAvailable: 50% of 2 replicas lets one go (TestPDBMinAvailableFiftyPercent)", async () => {
      const cluster = viewOf([statefulSet("test-deploy", 2, labels)]);
      expect(await budgetFindings(id, budget("test-pdb", { minAvailable: "50%", selector: { matchLabels: labels } }), cluster)).toEqual([]);
    });
    it("minAvailable: 50% of replicas left unset (1) rounds up to 1 and blocks (TestPDBWithMinAvailableHPA, without the HPA)", async () => {
      const cluster = viewOf([statefulSet("test-deploy", undefined, labels)]);
      expect(await budgetFindings(id, budget("test-pdb", { minAvailable: "50%", selector: { matchLabels: labels } }), cluster)).toEqual([
        blocks("minAvailable", '"50%"', "test-deploy", 'minAvailable: "50%", rounded up to 1 of 1 replicas'),
      ]);
    });
  });

  it("judges the budget against each StatefulSet it selects, at that set's replicas", async () => {
    const cluster = viewOf([statefulSet("small", 1, { tier: "db", app: "small" }), statefulSet("big", 5, { tier: "db", app: "big" })]);
    const object = budget("db", { minAvailable: 1, selector: { matchLabels: { tier: "db" } } });
    expect(await budgetFindings(id, object, cluster)).toEqual([blocks("minAvailable", "1", "small", "minAvailable: 1 of 1 replicas")]);
  });

  it("says nothing of a value the API server refuses, of a StatefulSet scaled to 0, or when StatefulSets are not synced", async () => {
    const labels = { app: "db" };
    const cluster = viewOf([statefulSet("db", 3, labels)]);
    expect(await budgetFindings(id, budget("db", { maxUnavailable: -1, selector: { matchLabels: labels } }), cluster)).toEqual([]);
    expect(await budgetFindings(id, budget("db", { maxUnavailable: 0, selector: { matchLabels: labels } }), viewOf([statefulSet("db", 0, labels)]))).toEqual([]);
    expect(await budgetFindings(id, budget("db", { maxUnavailable: 0, selector: { matchLabels: labels } }), viewOf([], { statefulSets: undefined }))).toEqual([]);
  });

  it("agrees with statefulset-disruption-budget on the same StatefulSet and budget", async () => {
    const labels = { app: "db" };
    for (const [replicas, spec, blocked] of [
      [1, { minAvailable: 1 }, true],
      [3, { minAvailable: "100%" }, true],
      [3, { maxUnavailable: "0%" }, true],
      [3, { minAvailable: 2 }, false],
      [1, { maxUnavailable: 1 }, false],
      [2, { minAvailable: "50%" }, false],
    ] as const) {
      const set = statefulSet("db", replicas, labels);
      const pdb = budget("db", { ...spec, selector: { matchLabels: labels } });
      const cluster = viewOf([set, pdb]);
      const fromBudget = await budgetFindings(id, pdb, cluster);
      const fromSet = findingsOf(
        "statefulset-disruption-budget",
        await engineFindings({ subject: { kind: "StatefulSet", object: set, oldObject: undefined }, namespace: "default", cluster }),
      ).map((f) => formatFinding(f));
      const blockedFromSet = fromSet.filter((f) => f.includes("allows no eviction"));
      expect(fromBudget.length, JSON.stringify(spec)).toBe(blocked ? 1 : 0);
      expect(blockedFromSet.length, JSON.stringify(spec)).toBe(blocked ? 1 : 0);
    }
  });
});
