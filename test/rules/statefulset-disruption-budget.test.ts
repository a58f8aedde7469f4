import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { inputClusterView } from "../../src/cli/cluster.js";
import { podDisruptionBudgetRecord } from "../../src/cluster/records.js";
import { emptyClusterView, memoryClusterView, type PodDisruptionBudgetRecord } from "../../src/cluster/view.js";
import type { StatefulSet } from "../../src/k8s/objects.js";
import { baseStatefulSet, none, type RunOptions, runRule } from "./helpers.js";

const id = "statefulset-disruption-budget";
const labelsPath = "spec.template.metadata.labels";

const documents = (text: string) => parseAllDocuments(text).map((doc) => doc.toJS() as Record<string, unknown>);

/** The StatefulSet of a manifest, with `replicas` set where the upstream case leaves it to a tool's own default. */
function statefulSetOf(text: string, replicas?: number): StatefulSet {
  const sts = documents(text).find((d) => d.kind === "StatefulSet") as StatefulSet;
  if (replicas !== undefined) sts.spec!.replicas = replicas;
  return sts;
}

/** The budgets of a manifest as the cluster view records them. */
const budgetsOf = (text: string): PodDisruptionBudgetRecord[] =>
  documents(text)
    .filter((d) => d.kind === "PodDisruptionBudget")
    .map((d) => podDisruptionBudgetRecord(d)!);

const withBudgets = (budgets: PodDisruptionBudgetRecord[], options: RunOptions = {}): RunOptions => ({
  ...options,
  cluster: memoryClusterView({ podDisruptionBudgets: budgets }),
});

const budget = (spec: Partial<PodDisruptionBudgetRecord>): PodDisruptionBudgetRecord => ({
  namespace: "default",
  name: "web",
  selector: { matchLabels: { app: "nginx" }, matchExpressions: [] },
  minAvailable: null,
  maxUnavailable: 1,
  ...spec,
});

const missing = (labels: string, replicas: number, namespace = "default") =>
  `${labelsPath}: Not found: ${labels}: no PodDisruptionBudget in namespace "${namespace}" selects the pods; a drain may evict several of the ${replicas} replicas at once [${id}]`;
const blocking = (labels: string, name: string, why: string) =>
  `${labelsPath}: Invalid value: ${labels}: PodDisruptionBudget "${name}" allows no eviction (${why}), so node drains wait forever [${id}]`;

describe(id, () => {
  /**
   * kube-score's test data (zegl/kube-score score/testdata/statefulset-poddisruptionbudget-v1beta1-*.yaml and
   * deployment-poddisruptionbudget-v1-different-namespace.yaml, verdicts from score/poddisruptionbudget_test.go). The
   * StatefulSets leave replicas unset, which kube-score grades; Kubernetes defaults it to 1, which needs no budget, so
   * these cases set 3 replicas.
   */
  describe("kube-score's test data", () => {
    const statefulSet = (selector: string) => `
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: statefulset-test-1
spec:
  ${selector}
  template:
    metadata:
      labels:
        app: foo
    spec:
      containers:
      - name: foobar
        image: foo:bar
`;
    const withSelector = statefulSet("selector:\n    matchLabels:\n      app: foo");

    it("passes a budget that selects the pods by matchLabels (statefulset-poddisruptionbudget-v1beta1-matches)", async () => {
      const budgets = budgetsOf(`
apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata:
  name: app-budget
spec:
  minAvailable: 2
  selector:
    matchLabels:
      app: foo
`);
      expect(await runRule(id, statefulSetOf(withSelector, 3), withBudgets(budgets))).toEqual(none);
    });

    it("passes a budget that selects the pods by an In expression (…-expression-matches)", async () => {
      const budgets = budgetsOf(`
apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata:
  name: app-budget
spec:
  minAvailable: 2
  selector:
    matchExpressions:
    - key: app
      operator: In
      values: [foo, foo1, foo2]
`);
      expect(await runRule(id, statefulSetOf(withSelector, 3), withBudgets(budgets))).toEqual(none);
    });

    it("warns when the expression or the labels select other pods (…-expression-no-match, …-no-match)", async () => {
      const byExpression = budgetsOf(`
apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata:
  name: app-budget
spec:
  minAvailable: 2
  selector:
    matchExpressions:
    - key: app
      operator: In
      values: ["not-foo", "not-foo2"]
`);
      const byLabels = budgetsOf(`
apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata:
  name: app-budget
spec:
  minAvailable: 2
  selector:
    matchLabels:
      app: not-foo
`);
      const expected = { denials: [], warnings: [missing('{"app":"foo"}', 3)] };
      expect(await runRule(id, statefulSetOf(statefulSet(""), 3), withBudgets(byExpression))).toEqual(expected);
      expect(await runRule(id, statefulSetOf(withSelector, 3), withBudgets(byLabels))).toEqual(expected);
    });

    it("warns when the matching budgets are in other namespaces (deployment-poddisruptionbudget-v1-different-namespace)", async () => {
      const budgets = budgetsOf(`
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: app-budget
  namespace: not-foo
spec:
  minAvailable: 2
  selector:
    matchLabels:
      app: foo
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: app-budget
  namespace: bar
spec:
  minAvailable: 2
  selector:
    matchLabels:
      app: foo
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: app-budget-not-matching
  namespace: baz
spec:
  minAvailable: 2
  selector:
    matchLabels:
      app: not-foo
`);
      const sts = statefulSetOf(withSelector, 3);
      expect(await runRule(id, sts, withBudgets(budgets, { namespace: "foo" }))).toEqual({
        denials: [],
        warnings: [missing('{"app":"foo"}', 3, "foo")],
      });
    });

    it("TestStatefulSetReplicas: 10 replicas warn, 1 passes; unset passes too (Kubernetes' default is 1)", async () => {
      const sts = (replicas?: number) => statefulSetOf(withSelector, replicas);
      expect((await runRule(id, sts(10), withBudgets([]))).warnings).toEqual([missing('{"app":"foo"}', 10)]);
      expect(await runRule(id, sts(1), withBudgets([]))).toEqual(none);
      expect(await runRule(id, sts(), withBudgets([]))).toEqual(none);
    });
  });

  /**
   * Gatekeeper library's k8spoddisruptionbudget (open-policy-agent/gatekeeper-library
   * library/general/poddisruptionbudget/samples, verdicts from suite.yaml), its inventory Deployment of 3 replicas
   * written as a StatefulSet.
   */
  describe("Gatekeeper library's poddisruptionbudget samples", () => {
    const inventory = statefulSetOf(`
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: nginx-deployment
  namespace: default
  labels:
    app: nginx
spec:
  replicas: 3
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:1.14.2
`);
    const pdb = (policy: string) =>
      budgetsOf(`
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: nginx-pdb
  namespace: default
spec:
  ${policy}
  selector:
    matchLabels:
      app: nginx
`);

    it("passes example_allowed_min_available (2 of 3) and example_allowed_max_unavailable (1)", async () => {
      expect(await runRule(id, inventory, withBudgets(pdb("minAvailable: 2")))).toEqual(none);
      expect(await runRule(id, inventory, withBudgets(pdb("maxUnavailable: 1")))).toEqual(none);
    });

    it("warns on example_disallowed_min_available (3 of 3) and example_disallowed_max_unavailable (0)", async () => {
      expect((await runRule(id, inventory, withBudgets(pdb("minAvailable: 3")))).warnings).toEqual([
        blocking('{"app":"nginx"}', "nginx-pdb", "minAvailable: 3 of 3 replicas"),
      ]);
      expect((await runRule(id, inventory, withBudgets(pdb("maxUnavailable: 0")))).warnings).toEqual([
        blocking('{"app":"nginx"}', "nginx-pdb", "maxUnavailable: 0"),
      ]);
    });
  });

  /**
   * Kyverno's require-pdb (kyverno/policies other/require-pdb/.chainsaw-test, ss-good.yaml and ss-bad.yaml). Its
   * pdb.yaml is not in the stored copy; the budget here is the one its outcomes imply: in require-pdb-ns, selecting
   * foo: bar, which goodss01's pods carry and badss02's do not.
   */
  describe("Kyverno's require-pdb StatefulSets", () => {
    const statefulSet = (name: string, replicas: number, labels: string) =>
      statefulSetOf(`
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: ${name}
spec:
  selector:
    matchLabels:
      app: busybox
  replicas: ${replicas}
  template:
    metadata:
      labels:
        ${labels}
    spec:
      terminationGracePeriodSeconds: 10
      containers:
      - name: busbyox
        image: ghcr.io/kyverno/test-busybox:1.35
`);
    const budgets = [budget({ namespace: "require-pdb-ns", name: "require-pdb", selector: { matchLabels: { foo: "bar" }, matchExpressions: [] } })];

    it("passes goodss01 (selected) and goodss02 (1 replica)", async () => {
      const goodss01 = statefulSet("goodss01", 3, "app: busybox\n        foo: bar");
      expect(await runRule(id, goodss01, withBudgets(budgets, { namespace: "require-pdb-ns" }))).toEqual(none);
      expect(await runRule(id, statefulSet("goodss02", 1, "app: busybox"), withBudgets(budgets))).toEqual(none);
    });

    it("warns on badss01 (no budget in its namespace) and badss02 (not selected)", async () => {
      const bad = statefulSet("badss01", 3, "app: busybox");
      expect((await runRule(id, bad, withBudgets(budgets))).warnings).toEqual([missing('{"app":"busybox"}', 3)]);
      expect((await runRule(id, bad, withBudgets(budgets, { namespace: "require-pdb-ns" }))).warnings).toEqual([
        missing('{"app":"busybox"}', 3, "require-pdb-ns"),
      ]);
    });
  });

  /**
   * kube-linter's pdb-min-available (stackrox/kube-linter pkg/templates/pdbminavailable/template_test.go), its
   * Deployments written as StatefulSets: a budget whose minAvailable reaches the replicas is flagged whatever their
   * count, a single replica included, and replicas left unset count as 1.
   */
  describe("kube-linter's pdb-min-available cases", () => {
    const labels = '{"foo":"bar"}';
    const statefulSet = (replicas?: number) => {
      const sts = baseStatefulSet();
      sts.spec!.selector = { matchLabels: { foo: "bar" } };
      sts.spec!.template!.metadata!.labels = { foo: "bar" };
      if (replicas === undefined) delete sts.spec!.replicas;
      else sts.spec!.replicas = replicas;
      return sts;
    };
    const testPdb = (spec: Partial<PodDisruptionBudgetRecord>) =>
      withBudgets([budget({ namespace: "test", name: "test-pdb", selector: { matchLabels: { foo: "bar" }, matchExpressions: [] }, maxUnavailable: null, ...spec })], {
        namespace: "test",
      });

    it("TestPDBMinAvailableReplicasEqual: minAvailable 1 over 1 replica, by matchLabels or an In expression", async () => {
      expect((await runRule(id, statefulSet(1), testPdb({ minAvailable: 1 }))).warnings).toEqual([
        blocking(labels, "test-pdb", "minAvailable: 1 of 1 replicas"),
      ]);
      const byExpression = testPdb({
        minAvailable: 1,
        selector: { matchLabels: {}, matchExpressions: [{ key: "foo", operator: "In", values: ["baz", "bar", "qux"] }] },
      });
      expect((await runRule(id, statefulSet(1), byExpression)).warnings).toEqual([blocking(labels, "test-pdb", "minAvailable: 1 of 1 replicas")]);
    });

    it("TestPDBWithMinAvailableHPA: minAvailable 50% over unset replicas (1) rounds up to the one pod", async () => {
      expect((await runRule(id, statefulSet(), testPdb({ minAvailable: "50%" }))).warnings).toEqual([
        blocking(labels, "test-pdb", 'minAvailable: "50%", rounded up to 1 of 1 replicas'),
      ]);
    });

    it("TestPDBMinAvailableZero and TestPDBMinAvailableFiftyPercent (2 replicas) pass", async () => {
      expect(await runRule(id, statefulSet(1), testPdb({ minAvailable: 0 }))).toEqual(none);
      expect(await runRule(id, statefulSet(2), testPdb({ minAvailable: "50%" }))).toEqual(none);
    });

    it("a single replica still needs no budget; maxUnavailable 0 over it blocks, two budgets over it stall drains", async () => {
      expect(await runRule(id, statefulSet(1), withBudgets([], { namespace: "test" }))).toEqual(none);
      expect(await runRule(id, statefulSet(1), { cluster: emptyClusterView(), namespace: "test" })).toEqual(none);
      expect(await runRule(id, statefulSet(1), testPdb({ maxUnavailable: 1 }))).toEqual(none);
      expect(await runRule(id, statefulSet(1), testPdb({}))).toEqual(none);
      expect((await runRule(id, statefulSet(1), testPdb({ maxUnavailable: 0 }))).warnings).toEqual([
        blocking(labels, "test-pdb", "maxUnavailable: 0"),
      ]);
      expect(await runRule(id, statefulSet(0), testPdb({ minAvailable: 1 }))).toEqual(none);
      const two = withBudgets(
        [budget({ namespace: "test", name: "a", selector: { matchLabels: { foo: "bar" }, matchExpressions: [] } }), budget({ namespace: "test", name: "b", selector: { matchLabels: {}, matchExpressions: [] } })],
        { namespace: "test" },
      );
      expect((await runRule(id, statefulSet(1), two)).warnings).toEqual([
        `${labelsPath}: Invalid value: ${labels}: PodDisruptionBudgets "a", "b" all select the pods; the eviction API refuses pods with more than one, so drains stall [${id}]`,
      ]);
    });
  });

  /**
   * Values ValidatePodDisruptionBudgetSpec (kubernetes/kubernetes pkg/apis/policy/validation/validation.go) refuses,
   * with the messages of ValidatePositiveIntOrPercent and IsNotMoreThan100Percent (pkg/apis/apps/validation): negative
   * minAvailable or maxUnavailable, percentages over 100%, strings that are no percentage. Such a budget never reaches a cluster; as an input of check it is reported as refused, not as one
   * that "allows no eviction".
   */
  describe("values the API server refuses", () => {
    const labels = '{"app":"nginx"}';
    const refused = (why: string) =>
      `${labelsPath}: Invalid value: ${labels}: PodDisruptionBudget "web" is one the API server refuses (${why}); fix it before relying on it [${id}]`;
    const run = async (spec: Partial<PodDisruptionBudgetRecord>) => (await runRule(id, baseStatefulSet(), withBudgets([budget(spec)]))).warnings;

    it("names the value and Kubernetes' reason", async () => {
      expect(await run({ maxUnavailable: -1 })).toEqual([refused("maxUnavailable: -1: must be greater than or equal to 0")]);
      expect(await run({ maxUnavailable: null, minAvailable: -1 })).toEqual([refused("minAvailable: -1: must be greater than or equal to 0")]);
      expect(await run({ maxUnavailable: "101%" })).toEqual([refused('maxUnavailable: "101%": must not be greater than 100%')]);
      expect(await run({ maxUnavailable: null, minAvailable: "110%" })).toEqual([refused('minAvailable: "110%": must not be greater than 100%')]);
      expect(await run({ maxUnavailable: "one" })).toEqual([refused(`maxUnavailable: "one": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`)]);
    });
  });

  describe("budgets that allow no eviction, rounded as the disruption controller rounds", () => {
    const labels = '{"app":"nginx"}';
    const run = (spec: Partial<PodDisruptionBudgetRecord>, replicas = 3) => {
      const sts = baseStatefulSet();
      sts.spec!.replicas = replicas;
      return runRule(id, sts, withBudgets([budget(spec)]));
    };

    it("warns on maxUnavailable 0 and 0%, and passes any positive percentage (rounded up to 1)", async () => {
      expect((await run({ maxUnavailable: "0%" })).warnings).toEqual([blocking(labels, "web", 'maxUnavailable: "0%"')]);
      expect(await run({ maxUnavailable: "10%" })).toEqual(none);
      expect(await run({ maxUnavailable: 2 })).toEqual(none);
    });

    it("warns on minAvailable at or above replicas, and a percentage that rounds up to all of them", async () => {
      expect((await run({ maxUnavailable: null, minAvailable: 4 })).warnings).toEqual([
        blocking(labels, "web", "minAvailable: 4 of 3 replicas"),
      ]);
      expect((await run({ maxUnavailable: null, minAvailable: "100%" })).warnings).toEqual([
        blocking(labels, "web", 'minAvailable: "100%", rounded up to 3 of 3 replicas'),
      ]);
      expect((await run({ maxUnavailable: null, minAvailable: "90%" })).warnings).toEqual([
        blocking(labels, "web", 'minAvailable: "90%", rounded up to 3 of 3 replicas'),
      ]);
      expect(await run({ maxUnavailable: null, minAvailable: "50%" })).toEqual(none);
      expect(await run({ maxUnavailable: null, minAvailable: "90%" }, 20)).toEqual(none);
    });

    it("warns on a budget that sets neither field, which limits nothing", async () => {
      expect((await run({ maxUnavailable: null, minAvailable: null })).warnings).toEqual([
        `${labelsPath}: Invalid value: ${labels}: PodDisruptionBudget "web" sets neither minAvailable nor maxUnavailable, so it limits no eviction [${id}]`,
      ]);
    });
  });

  it("warns when more than one budget selects the pods, which the eviction API refuses", async () => {
    const budgets = [budget({ name: "web" }), budget({ name: "everything", selector: { matchLabels: {}, matchExpressions: [] } })];
    expect((await runRule(id, baseStatefulSet(), withBudgets(budgets))).warnings).toEqual([
      `${labelsPath}: Invalid value: {"app":"nginx"}: PodDisruptionBudgets "web", "everything" all select the pods; the eviction API refuses pods with more than one, so drains stall [${id}]`,
    ]);
  });

  it("counts an empty selector as selecting every pod of the namespace, and a null one as selecting none", async () => {
    const everything = budget({ selector: { matchLabels: {}, matchExpressions: [] } });
    expect(await runRule(id, baseStatefulSet(), withBudgets([everything]))).toEqual(none);
    expect((await runRule(id, baseStatefulSet(), withBudgets([budget({ selector: null })]))).warnings).toEqual([
      missing('{"app":"nginx"}', 2),
    ]);
  });

  it("follows the configured action and minReplicas", async () => {
    const sts = baseStatefulSet();
    expect(await runRule(id, sts, withBudgets([], { policy: { rules: { [id]: { action: "deny" } } } }))).toEqual({
      denials: [missing('{"app":"nginx"}', 2)],
      warnings: [],
    });
    expect(await runRule(id, sts, withBudgets([], { policy: { rules: { [id]: { action: "off" } } } }))).toEqual(none);
    expect(await runRule(id, sts, withBudgets([], { policy: { rules: { [id]: { minReplicas: 3 } } } }))).toEqual(none);
  });

  it("says it could not verify, only as a warning, while the cluster view does not know the budgets", async () => {
    const result = await runRule(id, baseStatefulSet(), { cluster: emptyClusterView(), policy: { rules: { [id]: { action: "deny" } } } });
    expect(result).toEqual({
      denials: [],
      warnings: [`${labelsPath}: could not verify PodDisruptionBudgets: no cluster view is configured [${id}]`],
    });
    const unsynced = await runRule(id, baseStatefulSet(), { cluster: memoryClusterView({}) });
    expect(unsynced.warnings).toEqual([
      `${labelsPath}: could not verify PodDisruptionBudgets: PodDisruptionBudgets have not been synced to the cluster view [${id}]`,
    ]);
  });

  it("reads the budgets among the inputs of stateward check, and none with the cluster view off", async () => {
    const sts = baseStatefulSet();
    const pdb = {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: "web" },
      spec: { maxUnavailable: 1, selector: { matchLabels: { app: "nginx" } } },
    };
    const view = (objects: unknown[], enabled = true) =>
      inputClusterView(objects.map((object) => ({ object })), { enabled, namespace: "default" });
    expect(await runRule(id, sts, { cluster: view([sts, pdb]) })).toEqual(none);
    expect((await runRule(id, sts, { cluster: view([sts]) })).warnings).toEqual([missing('{"app":"nginx"}', 2)]);
    expect((await runRule(id, sts, { cluster: view([sts, pdb], false) })).warnings).toEqual([
      `${labelsPath}: could not verify PodDisruptionBudgets: the cluster view is off (--cluster-view=off) [${id}]`,
    ]);
  });
});
