import { describe, expect, it } from "vitest";
import type { StatefulSet } from "../../src/k8s/objects.js";
import { baseStatefulSet, corpusStatefulSet, none, runRule } from "./helpers.js";

const id = "statefulset-spread";
const antiAffinity = "spec.template.spec.affinity.podAntiAffinity";
const required = `${antiAffinity}.requiredDuringSchedulingIgnoredDuringExecution`;

/** kube-score's own test data (score/testdata), with its verdict from score/apps_test.go. */
const kubeScore = (name: string, object: string) =>
  corpusStatefulSet(`kube-score__score__testdata__statefulset-host-antiaffinity-${name}.yaml`, object);

function withAntiAffinity(term: Record<string, unknown>, replicas = 3): StatefulSet {
  const sts = baseStatefulSet();
  sts.spec!.replicas = replicas;
  sts.spec!.template!.spec!.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } };
  return sts;
}

describe(id, () => {
  describe("kube-score's test data", () => {
    it("warns on 10 replicas without anti-affinity (statefulset-host-antiaffinity-not-set)", async () => {
      expect(await runRule(id, kubeScore("not-set", "statefulset-anti-affinity-not-set"))).toEqual({
        denials: [],
        warnings: [
          `${antiAffinity}: Required value: 10 replicas may run on one node and fail together; add anti-affinity or a topologySpreadConstraint on kubernetes.io/hostname [${id}]`,
        ],
      });
    });

    it("passes required and preferred hostname anti-affinity selecting the pods, and a single replica", async () => {
      expect(await runRule(id, kubeScore("required", "statefulset-required-anti-affinity"))).toEqual(none);
      expect(await runRule(id, kubeScore("preffered", "statefulset-preffered-anti-affinity"))).toEqual(none);
      expect(await runRule(id, kubeScore("1-replica", "statefulset-host-antiaffinity-1-replica"))).toEqual(none);
    });
  });

  describe("kube-linter's no-anti-affinity cases (stackrox/kube-linter pkg/templates/antiaffinity/template_test.go)", () => {
    it("TestNoAntiAffinity: 2 replicas warn, 1 replica and unset replicas (defaulted to 1) pass", async () => {
      const two = baseStatefulSet();
      expect((await runRule(id, two)).warnings).toHaveLength(1);
      const one = baseStatefulSet();
      one.spec!.replicas = 1;
      const unset = baseStatefulSet();
      delete unset.spec!.replicas;
      expect(await runRule(id, one)).toEqual(none);
      expect(await runRule(id, unset)).toEqual(none);
    });

    it("TestEmptyAntiAffinity: empty required and preferred lists count as none", async () => {
      const sts = baseStatefulSet();
      sts.spec!.template!.spec!.affinity = {
        podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [], preferredDuringSchedulingIgnoredDuringExecution: [] },
      };
      expect((await runRule(id, sts)).warnings).toEqual([
        `${antiAffinity}: Required value: 2 replicas may run on one node and fail together; add anti-affinity or a topologySpreadConstraint on kubernetes.io/hostname [${id}]`,
      ]);
    });

    it("TestWithAntiAffinity: another topology key, a selector that misses the pods, another namespace", async () => {
      const otherKey = withAntiAffinity({ topologyKey: "other.valid/key", labelSelector: { matchLabels: { app: "nginx" } } });
      expect((await runRule(id, otherKey)).warnings).toEqual([
        `${required}[0].topologyKey: Invalid value: "other.valid/key": replicas may still share a node; use "kubernetes.io/hostname" [${id}]`,
      ]);
      const noMatch = withAntiAffinity({ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "non-matching" } } });
      expect((await runRule(id, noMatch)).warnings).toEqual([
        `${required}[0].labelSelector: Invalid value: {"matchLabels":{"app":"non-matching"}}: does not select the pod template's labels, so it keeps no replicas apart [${id}]`,
      ]);
      const elsewhere = withAntiAffinity({
        topologyKey: "kubernetes.io/hostname",
        labelSelector: { matchLabels: { app: "nginx" } },
        namespaces: ["non-matching-namespace"],
      });
      expect((await runRule(id, elsewhere)).warnings).toEqual([
        `${required}[0].namespaces: Invalid value: ["non-matching-namespace"]: does not include the StatefulSet's namespace "default" [${id}]`,
      ]);
      const ownNamespace = withAntiAffinity({
        topologyKey: "kubernetes.io/hostname",
        labelSelector: { matchLabels: { app: "nginx" } },
        namespaces: ["default"],
      });
      expect(await runRule(id, ownNamespace)).toEqual(none);
    });

    it("TestWithAntiAffinity with a topologyKey parameter: the policy chooses which keys count for a preferred term", async () => {
      const zone = withAntiAffinity({ topologyKey: "topology.kubernetes.io/zone", labelSelector: { matchLabels: { app: "nginx" } } });
      const anti = zone.spec!.template!.spec!.affinity!.podAntiAffinity!;
      anti.preferredDuringSchedulingIgnoredDuringExecution = [{ weight: 1, podAffinityTerm: anti.requiredDuringSchedulingIgnoredDuringExecution![0]! }];
      delete anti.requiredDuringSchedulingIgnoredDuringExecution;
      expect((await runRule(id, zone)).warnings).toEqual([
        `${antiAffinity}.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey: Invalid value: "topology.kubernetes.io/zone": replicas may still share a node; use "kubernetes.io/hostname" [${id}]`,
      ]);
      const policy = { rules: { [id]: { topologyKeys: ["kubernetes.io/hostname", "topology.kubernetes.io/zone"] } } };
      expect(await runRule(id, zone, { policy })).toEqual(none);
    });

    // kube-linter passes a term on any key its topologyKey parameter names (the ".+" case of TestWithAntiAffinity);
    // Stateward needs no parameter for a required zone or region term, which puts each replica in a zone of its own.
    it("TestWithAntiAffinity, required and on a zone or region key: every replica is on a node of its own", async () => {
      for (const key of [
        "topology.kubernetes.io/zone",
        "topology.kubernetes.io/region",
        "failure-domain.beta.kubernetes.io/zone",
        "failure-domain.beta.kubernetes.io/region",
      ]) {
        expect(await runRule(id, withAntiAffinity({ topologyKey: key, labelSelector: { matchLabels: { app: "nginx" } } }))).toEqual(none);
      }
      const elsewhere = withAntiAffinity({ topologyKey: "topology.kubernetes.io/zone", labelSelector: { matchLabels: { app: "non-matching" } } });
      expect((await runRule(id, elsewhere)).warnings).toEqual([
        `${required}[0].labelSelector: Invalid value: {"matchLabels":{"app":"non-matching"}}: does not select the pod template's labels, so it keeps no replicas apart [${id}]`,
      ]);
      const spreadOverZones = baseStatefulSet();
      spreadOverZones.spec!.template!.spec!.topologySpreadConstraints = [
        { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { app: "nginx" } } },
      ];
      expect((await runRule(id, spreadOverZones)).warnings).toHaveLength(1);
    });

    it("TestWithTopologySpreadConstraints: a hostname constraint selecting the pods counts; others do not", async () => {
      const sts = baseStatefulSet();
      const constraint = { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { app: "nginx" } } };
      sts.spec!.template!.spec!.topologySpreadConstraints = [constraint];
      expect(await runRule(id, sts)).toEqual(none);
      sts.spec!.template!.spec!.topologySpreadConstraints = [{ ...constraint, labelSelector: { matchLabels: { app: "non-matching" } } }];
      expect((await runRule(id, sts)).warnings).toEqual([
        `spec.template.spec.topologySpreadConstraints[0].labelSelector: Invalid value: {"matchLabels":{"app":"non-matching"}}: does not select the pod template's labels, so it keeps no replicas apart [${id}]`,
      ]);
    });
  });

  it("is satisfied by any one good term, and reports the first shortcoming otherwise", async () => {
    const sts = withAntiAffinity({ topologyKey: "rack", labelSelector: { matchLabels: { app: "nginx" } } });
    sts.spec!.template!.spec!.affinity!.podAntiAffinity!.preferredDuringSchedulingIgnoredDuringExecution = [
      { weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchExpressions: [{ key: "app", operator: "In", values: ["nginx"] }] } } },
    ];
    expect(await runRule(id, sts)).toEqual(none);
    sts.spec!.template!.spec!.affinity!.podAntiAffinity!.preferredDuringSchedulingIgnoredDuringExecution![0]!.podAffinityTerm!.labelSelector = null;
    expect((await runRule(id, sts)).warnings).toEqual([
      `${required}[0].topologyKey: Invalid value: "rack": replicas may still share a node; use "kubernetes.io/hostname" [${id}]`,
    ]);
  });

  it("honours minReplicas and the configured action", async () => {
    const three = withAntiAffinity({ topologyKey: "rack" });
    expect(await runRule(id, three, { policy: { rules: { [id]: { minReplicas: 4 } } } })).toEqual(none);
    expect((await runRule(id, three, { policy: { rules: { [id]: { action: "deny" } } } })).denials).toHaveLength(1);
    expect(await runRule(id, three, { policy: { rules: { [id]: { action: "off" } } } })).toEqual(none);
  });
});
