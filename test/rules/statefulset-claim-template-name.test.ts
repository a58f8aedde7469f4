import { describe, expect, it } from "vitest";
import { admissionRequest, baseStatefulSet, none, runAdmission, runRule, seedStatefulSet } from "./helpers.js";

const id = "statefulset-claim-template-name";

describe(id, () => {
  it("passes the seeds' claim templates", async () => {
    expect(await runRule(id, seedStatefulSet("002-mysql.yaml", "mysql"))).toEqual(none);
    expect(await runRule(id, seedStatefulSet("003-backend.yaml", "backend"))).toEqual(none);
  });

  it("denies a template name that is not a DNS-1123 label", async () => {
    const sts = baseStatefulSet();
    sts.spec!.volumeClaimTemplates![0]!.metadata!.name = "WWW";
    expect(await runRule(id, sts)).toEqual({
      denials: [
        `spec.volumeClaimTemplates[0].metadata.name: Invalid value: "WWW": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character; it names a pod volume and every PVC of this template [${id}]`,
      ],
      warnings: [],
    });
  });

  it("denies a missing and a duplicated template name", async () => {
    const sts = baseStatefulSet();
    const [www] = sts.spec!.volumeClaimTemplates!;
    sts.spec!.volumeClaimTemplates = [www!, structuredClone(www!), { ...structuredClone(www!), metadata: {} }];
    expect((await runRule(id, sts)).denials).toEqual([
      `spec.volumeClaimTemplates[1].metadata.name: Duplicate value: "www": both templates would claim the same PVCs; give each template its own name [${id}]`,
      `spec.volumeClaimTemplates[2].metadata.name: Required value: pods mount a claim template by name and its PVCs are named <template>-<statefulset>-<ordinal> [${id}]`,
    ]);
  });

  it("denies when a PVC name <template>-<statefulset>-<ordinal> would be no valid object name", async () => {
    // Only a StatefulSet name the API server once accepted (a long DNS subdomain) gets there.
    const sts = baseStatefulSet();
    sts.metadata!.name = `${"a".repeat(61)}.${"b".repeat(61)}.${"c".repeat(61)}.${"d".repeat(60)}`;
    sts.spec!.volumeClaimTemplates![0]!.metadata!.name = "data";
    sts.spec!.replicas = 12;
    const claimName = `data-${sts.metadata!.name}-11`;
    expect(claimName.length).toBe(254);
    expect((await runRule(id, sts)).denials).toEqual([
      `spec.volumeClaimTemplates[0].metadata.name: Invalid value: "data": PVC name "${claimName}" must be no more than 253 characters; the controller cannot create it, shorten the name [${id}]`,
    ]);
    sts.spec!.replicas = 10;
    expect(await runRule(id, sts)).toEqual(none);
  });

  it("follows the configured action", async () => {
    const sts = baseStatefulSet();
    sts.spec!.volumeClaimTemplates![0]!.metadata!.name = "www_data";
    sts.spec!.template!.spec!.containers![0]!.volumeMounts![0]!.name = "www_data";
    const warned = await runRule(id, sts, { policy: { rules: { [id]: { action: "warn" } } } });
    expect([warned.denials.length, warned.warnings.length]).toEqual([0, 1]);
    expect(await runRule(id, sts, { policy: { rules: { [id]: { action: "off" } } } })).toEqual(none);
  });

  it("passes defaulted objects on create and on update", async () => {
    expect(await runAdmission(id, "000-web.statefulset-web.client.validate.json")).toEqual(none);
    expect(await runAdmission(id, "000-web.statefulset-web.update-scale.validate.json")).toEqual(none);
  });

  it("only warns on UPDATE about a template name the object already had", async () => {
    const { object } = admissionRequest("000-web.statefulset-web.update-scale.validate.json");
    object.spec!.volumeClaimTemplates![0]!.metadata!.name = "Www";
    const old = structuredClone(object);
    old.spec!.replicas = 2;
    const result = await runRule(id, object, { oldObject: old });
    expect([result.denials.length, result.warnings.length]).toEqual([0, 1]);
  });

  it("denies on UPDATE a template name other than the old one, even when the two read alike in a message", async () => {
    // Too long for a label, and alike up to where a message cuts a value (64 characters): only the data tells them apart.
    const { object } = admissionRequest("000-web.statefulset-web.update-scale.validate.json");
    const old = structuredClone(object);
    old.spec!.volumeClaimTemplates![0]!.metadata!.name = `${"d".repeat(69)}1`;
    object.spec!.volumeClaimTemplates![0]!.metadata!.name = `${"d".repeat(69)}2`;
    const result = await runRule(id, object, { oldObject: old });
    expect(result.warnings).toEqual([]);
    expect(result.denials).toEqual([expect.stringMatching(/^spec\.volumeClaimTemplates\[0\]\.metadata\.name: Invalid value: "d+\.\.\.: must be no more than 63 characters/)]);
  });
});
