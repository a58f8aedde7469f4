import { describe, expect, it } from "vitest";
import { admissionRequest, baseStatefulSet, none, runAdmission, runRule, seedStatefulSet } from "./helpers.js";

const id = "statefulset-retention-policy";
const whenDeleted = `spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Invalid value: "Delete": deleting the StatefulSet deletes all its PVCs and their data; use Retain unless the data is disposable [${id}]`;
const whenScaled = `spec.persistentVolumeClaimRetentionPolicy.whenScaled: Invalid value: "Delete": scaling down deletes the removed pods' PVCs and their data; use Retain unless the data is disposable [${id}]`;

describe(id, () => {
  it("passes a seed without a policy and a defaulted object with Retain", async () => {
    expect(await runRule(id, seedStatefulSet("001-web.yaml", "web"))).toEqual(none);
    const { object } = admissionRequest("001-web.statefulset-web.create.validate.json");
    expect(object.spec?.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: "Retain", whenScaled: "Retain" });
    expect(await runAdmission(id, "001-web.statefulset-web.create.validate.json")).toEqual(none);
  });

  it("warns once per field set to Delete", async () => {
    const sts = baseStatefulSet();
    sts.spec!.persistentVolumeClaimRetentionPolicy = { whenDeleted: "Delete", whenScaled: "Delete" };
    expect(await runRule(id, sts)).toEqual({ denials: [], warnings: [whenDeleted, whenScaled] });
    sts.spec!.persistentVolumeClaimRetentionPolicy = { whenDeleted: "Retain", whenScaled: "Delete" };
    expect(await runRule(id, sts)).toEqual({ denials: [], warnings: [whenScaled] });
  });

  it("follows the configured action, here on a defaulted object", async () => {
    const { object } = admissionRequest("003-backend.statefulset-backend.create.validate.json");
    object.spec!.persistentVolumeClaimRetentionPolicy!.whenDeleted = "Delete";
    expect(await runRule(id, object, { policy: { rules: { [id]: { action: "deny" } } } })).toEqual({
      denials: [whenDeleted],
      warnings: [],
    });
    expect(await runRule(id, object, { policy: { rules: { [id]: { action: "off" } } } })).toEqual(none);
  });
});
