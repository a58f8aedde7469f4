import { describe, expect, it } from "vitest";
import { admissionRequest, baseStatefulSet, corpusStatefulSet, none, runAdmission, runRule, seedStatefulSet } from "./helpers.js";

const id = "statefulset-readiness-probe";
const missing = (i: number) =>
  `spec.template.spec.containers[${i}].readinessProbe: Required value: the container is Ready once started, so ordered start and rollouts do not wait for it [${id}]`;

describe(id, () => {
  it("passes when every container has a readinessProbe", async () => {
    expect(await runRule(id, baseStatefulSet())).toEqual(none);
    expect(await runRule(id, corpusStatefulSet("k8s-examples__databases__cassandra__cassandra-statefulset.yaml", "cassandra"))).toEqual(none);
  });

  it("warns once per container without a probe, under the default OrderedReady", async () => {
    const sts = baseStatefulSet();
    sts.spec!.template!.spec!.containers!.push({ name: "exporter" });
    expect(await runRule(id, sts)).toEqual({ denials: [], warnings: [missing(1)] });
    expect(await runRule(id, seedStatefulSet("002-my-statefulset.yaml", "my-statefulset"))).toEqual({
      denials: [],
      warnings: [missing(0)],
    });
  });

  it("leaves init containers and the Parallel policy alone", async () => {
    const sts = baseStatefulSet();
    sts.spec!.template!.spec!.initContainers = [{ name: "init" }];
    expect(await runRule(id, sts)).toEqual(none);
    // Yolean's ZooKeeper and Kafka: Parallel pod management.
    const zoo = corpusStatefulSet("yolean-kafka__zookeeper__51zoo.yaml", "zoo");
    delete zoo.spec!.template!.spec!.containers![0]!.readinessProbe;
    expect(await runRule(id, zoo)).toEqual(none);
  });

  it("follows the configured action", async () => {
    const sts = seedStatefulSet("000-web.yaml", "web");
    expect(await runRule(id, sts, { policy: { rules: { [id]: { action: "deny" } } } })).toEqual({
      denials: [missing(0)],
      warnings: [],
    });
    expect(await runRule(id, sts, { policy: { rules: { [id]: { action: "off" } } } })).toEqual(none);
  });

  it("warns on a defaulted object that says OrderedReady explicitly", async () => {
    const { object } = admissionRequest("004-web.statefulset-web.create.validate.json");
    expect(object.spec?.podManagementPolicy).toBe("OrderedReady");
    expect(await runAdmission(id, "004-web.statefulset-web.create.validate.json")).toEqual({
      denials: [],
      warnings: [missing(0)],
    });
  });
});
