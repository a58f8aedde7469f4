import { describe, expect, it } from "vitest";
import { buildPolicy } from "../../src/policy/policy.js";
import { admissionRequest, baseStatefulSet, none, runAdmission, runRule, seedStatefulSet } from "./helpers.js";

const id = "statefulset-termination-grace";
const path = "spec.template.spec.terminationGracePeriodSeconds";

function withGrace(seconds: number | undefined) {
  const sts = baseStatefulSet();
  if (seconds === undefined) delete sts.spec!.template!.spec!.terminationGracePeriodSeconds;
  else sts.spec!.template!.spec!.terminationGracePeriodSeconds = seconds;
  return sts;
}

describe(id, () => {
  it("passes the seeds (10 seconds, and unset meaning 30)", async () => {
    expect(await runRule(id, seedStatefulSet("000-web.yaml", "web"))).toEqual(none);
    expect(await runRule(id, seedStatefulSet("002-mysql.yaml", "mysql"))).toEqual(none);
  });

  it("warns when pods would be killed without any grace period", async () => {
    expect(await runRule(id, withGrace(0))).toEqual({
      denials: [],
      warnings: [`${path}: Invalid value: 0: must be at least 1, so that each pod can shut down cleanly before it is killed; raise it [${id}]`],
    });
  });

  it("applies the configured bounds, judging unset as the built-in 30", async () => {
    const policy = { rules: { [id]: { min: 15, max: 20 } } };
    expect((await runRule(id, withGrace(10), { policy })).warnings).toEqual([
      `${path}: Invalid value: 10: must be at least 15, so that each pod can shut down cleanly before it is killed; raise it [${id}]`,
    ]);
    expect((await runRule(id, withGrace(60), { policy })).warnings).toEqual([
      `${path}: Invalid value: 60: must be at most 20, so that rollouts and node drains do not wait on it; lower it [${id}]`,
    ]);
    expect((await runRule(id, withGrace(undefined), { policy })).warnings).toEqual([
      `${path}: Required value: unset means 30 seconds, which must be at most 20, so that rollouts and node drains do not wait on it; lower it [${id}]`,
    ]);
    expect(await runRule(id, withGrace(20), { policy })).toEqual(none);
  });

  it("follows the configured action", async () => {
    expect((await runRule(id, withGrace(0), { policy: { rules: { [id]: { action: "deny" } } } })).denials).toHaveLength(1);
    expect(await runRule(id, withGrace(0), { policy: { rules: { [id]: { action: "off" } } } })).toEqual(none);
  });

  it("judges the value a defaulted object carries", async () => {
    const { object } = admissionRequest("002-mysql.statefulset-mysql.create.validate.json");
    expect(object.spec?.template?.spec?.terminationGracePeriodSeconds).toBe(30);
    expect(await runAdmission(id, "002-mysql.statefulset-mysql.create.validate.json")).toEqual(none);
    expect((await runAdmission(id, "002-mysql.statefulset-mysql.create.validate.json", { policy: { rules: { [id]: { max: 20 } } } })).warnings).toEqual([
      `${path}: Invalid value: 30: must be at most 20, so that rollouts and node drains do not wait on it; lower it [${id}]`,
    ]);
  });

  it("rejects a policy with a non-integer bound", () => {
    expect(() => buildPolicy({ rules: { [id]: { min: 1.5 } } })).toThrow("rules.statefulset-termination-grace.min");
    expect(() => buildPolicy({ rules: { [id]: { max: -1 } } })).toThrow("rules.statefulset-termination-grace.max");
  });
});
