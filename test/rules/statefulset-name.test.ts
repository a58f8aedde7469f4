import { describe, expect, it } from "vitest";
import { admissionRequest, baseStatefulSet, none, runAdmission, runRule, seedStatefulSet } from "./helpers.js";

const id = "statefulset-name";
const name53 = "a".repeat(53);

describe(id, () => {
  it("passes the seed StatefulSet web", async () => {
    expect(await runRule(id, seedStatefulSet("000-web.yaml", "web"))).toEqual(none);
  });

  it("passes a name of exactly 52 characters", async () => {
    const sts = baseStatefulSet();
    sts.metadata!.name = "a".repeat(52);
    expect(await runRule(id, sts)).toEqual(none);
  });

  it("denies a name longer than 52 characters, which the API server would accept", async () => {
    const sts = baseStatefulSet();
    sts.metadata!.name = name53;
    expect(await runRule(id, sts)).toEqual({
      denials: [
        `metadata.name: Invalid value: "${name53}": must be no more than 52 characters: pods get the label controller-revision-hash=<name>-<10-char hash>, limited to 63; choose a shorter name [${id}]`,
      ],
      warnings: [],
    });
  });

  it("denies a name that is not a DNS-1123 label", async () => {
    const sts = baseStatefulSet();
    sts.metadata!.name = "Web.v1";
    expect((await runRule(id, sts)).denials).toEqual([
      `metadata.name: Invalid value: "Web.v1": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character; pods are named <name>-<ordinal> and need valid hostnames [${id}]`,
    ]);
  });

  it("computes pod names from spec.ordinals.start and replicas", async () => {
    const sts = baseStatefulSet();
    sts.metadata!.name = "a".repeat(52);
    sts.spec!.ordinals = { start: 99_999_999_999 };
    sts.spec!.replicas = 2;
    expect((await runRule(id, sts)).denials).toEqual([
      `spec.ordinals.start: Invalid value: 99999999999: pod name "${"a".repeat(52)}-100000000000" would be 65 characters, more than the 63 a hostname allows; lower the ordinals or shorten the name [${id}]`,
    ]);
  });

  it("follows the configured action", async () => {
    const sts = baseStatefulSet();
    sts.metadata!.name = name53;
    const warned = await runRule(id, sts, { policy: { rules: { [id]: { action: "warn" } } } });
    expect(warned.denials).toEqual([]);
    expect(warned.warnings).toHaveLength(1);
    expect(await runRule(id, sts, { policy: { rules: { [id]: { action: "off" } } } })).toEqual(none);
    expect((await runRule(id, sts, { policy: { rules: { [id]: { action: "deny" } } } })).denials).toHaveLength(1);
  });

  it("only warns on UPDATE about a name the object already had, since names are immutable", async () => {
    const old = baseStatefulSet();
    old.metadata!.name = name53;
    const scaled = structuredClone(old);
    scaled.spec!.replicas = 0;
    const result = await runRule(id, scaled, { oldObject: old });
    expect(result.denials).toEqual([]);
    expect(result.warnings).toHaveLength(1);
  });

  it("passes a StatefulSet as the API server sends it, defaulted, on create and on update", async () => {
    expect(await runAdmission(id, "000-web.statefulset-web.server.validate.json")).toEqual(none);
    expect(await runAdmission(id, "002-mysql.statefulset-mysql.update-scale.validate.json")).toEqual(none);
  });

  it("denies a defaulted object renamed past 52 characters", async () => {
    const { object } = admissionRequest("001-web.statefulset-web.create.validate.json");
    object.metadata!.name = `web-${"x".repeat(49)}`;
    expect((await runRule(id, object)).denials).toHaveLength(1);
  });
});
