import { describe, expect, it } from "vitest";
import type { StatefulSet } from "../../src/k8s/objects.js";
import { baseStatefulSet, none, runRule } from "./helpers.js";

const id = "statefulset-min-ready-seconds";
const advice = (batch: number, replicas: number) =>
  `maxUnavailable lets the controller take ${batch} of the ${replicas} pods down at a time, and each is available as soon as it is Ready, so the next batch goes down before this one has proven healthy; set minReadySeconds [${id}]`;

function rolling(replicas: number, maxUnavailable: number | string, extra: { partition?: number; minReadySeconds?: number } = {}): StatefulSet {
  const sts = baseStatefulSet();
  sts.spec!.replicas = replicas;
  sts.spec!.updateStrategy = { type: "RollingUpdate", rollingUpdate: { maxUnavailable, partition: extra.partition ?? 0 } };
  if (extra.minReadySeconds !== undefined) sts.spec!.minReadySeconds = extra.minReadySeconds;
  return sts;
}

describe(id, () => {
  it("says nothing where pods are updated one at a time: the default, maxUnavailable 1, or a percentage that rounds down to 1", async () => {
    expect(await runRule(id, baseStatefulSet())).toEqual(none);
    expect(await runRule(id, rolling(5, 1))).toEqual(none);
    // 30% of 5 is 1.5, which the StatefulSet controller rounds down.
    expect(await runRule(id, rolling(5, "30%"))).toEqual(none);
  });

  it("advises minReadySeconds where batches of more than one pod go down, unset or 0", async () => {
    expect(await runRule(id, rolling(5, 2))).toEqual({
      denials: [],
      warnings: [`spec.minReadySeconds: Required value: ${advice(2, 5)}`],
    });
    expect(await runRule(id, rolling(10, "50%", { minReadySeconds: 0 }))).toEqual({
      denials: [],
      warnings: [`spec.minReadySeconds: Invalid value: 0: ${advice(5, 10)}`],
    });
  });

  it("is satisfied by a minReadySeconds above 0", async () => {
    expect(await runRule(id, rolling(5, 2, { minReadySeconds: 30 }))).toEqual(none);
  });

  it("counts only the pods a partition leaves to update, and never a single replica", async () => {
    // Replicas 5, partition 4: one pod is updated, there is no batch.
    expect(await runRule(id, rolling(5, 3, { partition: 4 }))).toEqual(none);
    // Partition 3 leaves two pods: a batch of two, not three.
    expect((await runRule(id, rolling(5, 3, { partition: 3 }))).warnings).toEqual([`spec.minReadySeconds: Required value: ${advice(2, 5)}`]);
    expect(await runRule(id, rolling(1, 3))).toEqual(none);
  });

  it("leaves OnDelete alone, which deletes no pod for an update", async () => {
    const sts = rolling(5, 2);
    sts.spec!.updateStrategy = { type: "OnDelete" };
    expect(await runRule(id, sts)).toEqual(none);
  });

  it("follows the configured action", async () => {
    expect(await runRule(id, rolling(5, 2), { policy: { rules: { [id]: { action: "deny" } } } })).toEqual({
      denials: [`spec.minReadySeconds: Required value: ${advice(2, 5)}`],
      warnings: [],
    });
    expect(await runRule(id, rolling(5, 2), { policy: { rules: { [id]: { action: "off" } } } })).toEqual(none);
  });
});
