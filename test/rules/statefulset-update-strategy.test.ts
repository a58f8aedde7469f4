import { describe, expect, it } from "vitest";
import { buildPolicy } from "../../src/policy/policy.js";
import { admissionRequest, baseStatefulSet, corpusStatefulSet, none, runAdmission, runRule, seedStatefulSet } from "./helpers.js";

const id = "statefulset-update-strategy";
const onDeleteWarning = `spec.updateStrategy.type: Invalid value: "OnDelete": pods change only when you delete them by hand; use RollingUpdate unless you roll out pod by pod on purpose [${id}]`;

function withStrategy(updateStrategy: unknown) {
  const sts = baseStatefulSet();
  sts.spec!.updateStrategy = updateStrategy as never;
  return sts;
}

describe(id, () => {
  it("passes seeds without a strategy and Yolean Kafka's explicit RollingUpdate", async () => {
    expect(await runRule(id, seedStatefulSet("004-web.yaml", "web"))).toEqual(none);
    expect(await runRule(id, corpusStatefulSet("yolean-kafka__kafka__50kafka.yaml", "kafka"))).toEqual(none);
  });

  it("passes a defaulted object (RollingUpdate with partition 0)", async () => {
    const { object } = admissionRequest("001-web.statefulset-web.server.validate.json");
    expect(object.spec?.updateStrategy).toEqual({ type: "RollingUpdate", rollingUpdate: { partition: 0 } });
    expect(await runAdmission(id, "001-web.statefulset-web.server.validate.json")).toEqual(none);
  });

  it("denies an unsupported type", async () => {
    expect(await runRule(id, withStrategy({ type: "Recreate" }))).toEqual({
      denials: [`spec.updateStrategy.type: Unsupported value: "Recreate": supported values: "OnDelete", "RollingUpdate" [${id}]`],
      warnings: [],
    });
  });

  it("denies rollingUpdate under OnDelete, and a negative partition", async () => {
    expect((await runRule(id, withStrategy({ type: "OnDelete", rollingUpdate: { partition: 0 } }))).denials).toEqual([
      `spec.updateStrategy.rollingUpdate: Invalid value: {"partition":0}: only allowed for updateStrategy 'RollingUpdate'; remove it [${id}]`,
    ]);
    expect((await runRule(id, withStrategy({ type: "RollingUpdate", rollingUpdate: { partition: -1 } }))).denials).toEqual([
      `spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0 [${id}]`,
    ]);
  });

  it("denies maxUnavailable below 1 or outside 1%-100%, and accepts the valid forms", async () => {
    const denials = async (maxUnavailable: number | string) =>
      (await runRule(id, withStrategy({ type: "RollingUpdate", rollingUpdate: { maxUnavailable } }))).denials;
    expect(await denials(0)).toEqual([
      `spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: 0: must be an integer of at least 1 or a percentage such as 25% [${id}]`,
    ]);
    expect(await denials("0%")).toEqual([
      `spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: "0%": must be a percentage from 1% to 100% [${id}]`,
    ]);
    expect(await denials("150%")).toHaveLength(1);
    expect(await denials("two")).toHaveLength(1);
    expect(await denials(1.5)).toHaveLength(1);
    for (const ok of [1, 3, "1%", "25%", "100%"]) expect(await denials(ok)).toEqual([]);
  });

  it("warns, even under deny, when the partition is above replicas", async () => {
    const sts = withStrategy({ type: "RollingUpdate", rollingUpdate: { partition: 3 } });
    expect(await runRule(id, sts)).toEqual({
      denials: [],
      warnings: [
        `spec.updateStrategy.rollingUpdate.partition: Invalid value: 3: above replicas (2), so no pod gets updated; lower it to roll out the template [${id}]`,
      ],
    });
    sts.spec!.updateStrategy!.rollingUpdate!.partition = 2;
    expect(await runRule(id, sts)).toEqual(none);
  });

  it("warns on OnDelete by default, and denies it with onDelete: deny", async () => {
    const sts = withStrategy({ type: "OnDelete" });
    expect(await runRule(id, sts)).toEqual({ denials: [], warnings: [onDeleteWarning] });
    expect(await runRule(id, sts, { policy: { rules: { [id]: { onDelete: "deny" } } } })).toEqual({
      denials: [onDeleteWarning],
      warnings: [],
    });
    // The rule's action caps what onDelete asks for.
    expect(await runRule(id, sts, { policy: { rules: { [id]: { action: "warn", onDelete: "deny" } } } })).toEqual({
      denials: [],
      warnings: [onDeleteWarning],
    });
  });

  it("follows the configured action", async () => {
    const sts = withStrategy({ type: "Recreate" });
    const warned = await runRule(id, sts, { policy: { rules: { [id]: { action: "warn" } } } });
    expect([warned.denials.length, warned.warnings.length]).toEqual([0, 1]);
    expect(await runRule(id, sts, { policy: { rules: { [id]: { action: "off" } } } })).toEqual(none);
  });

  it("rejects an unknown onDelete value in the policy", () => {
    expect(() => buildPolicy({ rules: { [id]: { onDelete: "maybe" } } })).toThrow(
      'rules.statefulset-update-strategy.onDelete: Invalid option: expected one of "warn"|"deny"',
    );
  });
});
