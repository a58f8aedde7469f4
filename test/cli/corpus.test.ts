/**
 * Real-world manifests end to end. Sibling files of one upstream folder are checked together, as a user checks a
 * directory; kube-score's test files are separate test cases, so each is checked alone.
 */
import { describe, expect, it } from "vitest";
import { cli, findingLines } from "./io.js";

const corpus = "test/fixtures/corpus";
const files = (...names: string[]) => names.map((n) => `${corpus}/${n}`);

describe("corpus folders checked together", () => {
  it("Yolean kafka zookeeper: headless Services in sibling files satisfy both StatefulSets", async () => {
    const { code, stdout } = await cli([
      "check",
      ...files(
        "yolean-kafka__zookeeper__20pzoo-service.yaml",
        "yolean-kafka__zookeeper__21zoo-service.yaml",
        "yolean-kafka__zookeeper__50pzoo.yaml",
        "yolean-kafka__zookeeper__51zoo.yaml",
      ),
    ]);
    expect(code).toBe(0);
    // The claim templates rely on the cluster's default class, which a manifest folder cannot show; nothing keeps the
    // replicas on different nodes, and no PodDisruptionBudget limits how many a drain evicts.
    expect(findingLines(stdout)).toEqual([
      `${corpus}/yolean-kafka__zookeeper__50pzoo.yaml:21 statefulset-spread warn`,
      `${corpus}/yolean-kafka__zookeeper__50pzoo.yaml:17 statefulset-disruption-budget warn`,
      `${corpus}/yolean-kafka__zookeeper__50pzoo.yaml:95 storage-class warn`,
      `${corpus}/yolean-kafka__zookeeper__51zoo.yaml:21 statefulset-spread warn`,
      `${corpus}/yolean-kafka__zookeeper__51zoo.yaml:17 statefulset-disruption-budget warn`,
      `${corpus}/yolean-kafka__zookeeper__51zoo.yaml:97 storage-class warn`,
    ]);
    expect(stdout).not.toContain("statefulset-headless-service");
    expect(stdout).toContain("2 objects checked in 4 files, none denied, 6 warnings");
  });

  it("kubernetes/examples cassandra: Service, StatefulSet and its StorageClass leave only the spread and budget warnings", async () => {
    const { code, stdout } = await cli([
      "check",
      ...files("k8s-examples__databases__cassandra__cassandra-service.yaml", "k8s-examples__databases__cassandra__cassandra-statefulset.yaml"),
    ]);
    expect(code).toBe(0);
    expect(findingLines(stdout)).toEqual([
      `${corpus}/k8s-examples__databases__cassandra__cassandra-statefulset.yaml:17 statefulset-spread warn`,
      `${corpus}/k8s-examples__databases__cassandra__cassandra-statefulset.yaml:15 statefulset-disruption-budget warn`,
    ]);
    expect(stdout).toContain("1 object checked in 2 files, none denied, 2 warnings\n");
  });

  it("the StatefulSet alone: its Service is missing, its class known since the file defines StorageClass fast", async () => {
    const { code, stdout } = await cli(["check", ...files("k8s-examples__databases__cassandra__cassandra-statefulset.yaml")]);
    expect(code).toBe(0);
    expect(findingLines(stdout)).toEqual([
      `${corpus}/k8s-examples__databases__cassandra__cassandra-statefulset.yaml:8 statefulset-headless-service warn`,
      `${corpus}/k8s-examples__databases__cassandra__cassandra-statefulset.yaml:17 statefulset-spread warn`,
      `${corpus}/k8s-examples__databases__cassandra__cassandra-statefulset.yaml:15 statefulset-disruption-budget warn`,
    ]);
  });
});

describe("kube-score's service-name cases, each alone", () => {
  const kubeScore = (name: string) => `${corpus}/kube-score__score__testdata__statefulset-${name}.yaml`;
  const checkOne = async (name: string) => {
    const { code, stdout } = await cli(["check", kubeScore(name)]);
    return { code, stdout, findings: findingLines(stdout).map((l) => l.replace(`${kubeScore(name)}:`, "")) };
  };

  it("service-name: a headless Service selecting the pods is silent", async () => {
    const { code, findings } = await checkOne("service-name");
    expect(code).toBe(0);
    expect(findings).toEqual(["29 statefulset-readiness-probe warn"]);
  });

  it("service-name-different-name: the named Service does not exist", async () => {
    const { findings, stdout } = await checkOne("service-name-different-name");
    expect(findings).toEqual(["22 statefulset-headless-service warn", "29 statefulset-readiness-probe warn"]);
    expect(stdout).toContain('spec.serviceName: Not found: "svc-test-1": no Service "svc-test-1" in namespace "default"');
  });

  it("service-name-different-namespace: a Service of that name in another namespace does not count", async () => {
    const { findings, stdout } = await checkOne("service-name-different-namespace");
    expect(findings).toEqual(["24 statefulset-headless-service warn", "31 statefulset-readiness-probe warn"]);
    expect(stdout).toContain('no Service "svc-test-1" in namespace "ns-test-1"');
  });

  it("service-name-not-headless: warns that pods get no DNS names", async () => {
    const { code, findings, stdout } = await checkOne("service-name-not-headless");
    expect(code).toBe(0);
    expect(findings).toEqual(["21 statefulset-headless-service warn", "28 statefulset-readiness-probe warn"]);
    expect(stdout).toContain('Service "svc-test-1" is not headless');
  });

  it("service-name-different-label: the selector misses the template (deny) and so does the Service (warn)", async () => {
    const { code, findings } = await checkOne("service-name-different-label");
    expect(code).toBe(1);
    expect(findings).toEqual([
      "25 statefulset-selector deny",
      "22 statefulset-headless-service warn",
      "29 statefulset-readiness-probe warn",
    ]);
  });

  it("appsv1beta1: reported as removed, then checked as apps/v1", async () => {
    const { code, findings, stdout } = await checkOne("appsv1beta1");
    expect(code).toBe(1);
    expect(findings).toEqual([
      "1 statefulset-api-version deny",
      "9 statefulset-selector deny",
      "5 statefulset-service-name warn",
      "12 statefulset-readiness-probe warn",
    ]);
    expect(stdout).toContain('apiVersion: Unsupported value: "apps/v1beta1": supported values: "apps/v1"');
  });
});
