import { describe, expect, it } from "vitest";
import { admissionRequest, baseStatefulSet, none, runAdmission, runRule } from "./helpers.js";

const id = "statefulset-immutable-fields";
const kubernetes =
  "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";
const recreate = (name: string) => `to change it, kubectl delete statefulset ${name} --cascade=orphan and re-create it; pods and PVCs are kept`;

describe(id, () => {
  it("allows scaling a defaulted StatefulSet", async () => {
    expect(await runAdmission(id, "000-web.statefulset-web.update-scale.validate.json")).toEqual(none);
    expect(await runAdmission(id, "004-web.statefulset-web.update-scale.validate.json")).toEqual(none);
  });

  it("denies resizing a claim template, naming the field and the real procedure", async () => {
    expect(await runAdmission(id, "000-web.statefulset-web.update-resize-template.validate.json")).toEqual({
      denials: [
        `spec.volumeClaimTemplates: Forbidden: ${kubernetes}; to resize, expand each PVC (www-web-0, ...), then kubectl delete statefulset web --cascade=orphan and re-create it [${id}]`,
      ],
      warnings: [],
    });
    expect((await runAdmission(id, "002-mysql.statefulset-mysql.update-resize-template.validate.json")).denials).toEqual([
      `spec.volumeClaimTemplates: Forbidden: ${kubernetes}; to resize, expand each PVC (mysql-persistent-storage-mysql-0, ...), then kubectl delete statefulset mysql --cascade=orphan and re-create it [${id}]`,
    ]);
  });

  it("allows every field Kubernetes lets an update change", async () => {
    const old = baseStatefulSet();
    const updated = structuredClone(old);
    Object.assign(updated.spec!, {
      replicas: 5,
      ordinals: { start: 1 },
      updateStrategy: { type: "OnDelete" },
      revisionHistoryLimit: 3,
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Delete" },
      minReadySeconds: 10,
    });
    updated.spec!.template!.spec!.containers![0]!.image = "nginx:1.28";
    expect(await runRule(id, updated, { oldObject: old })).toEqual(none);
  });

  it("compares semantically: equal quantities, defaulted template noise and empty values are no change", async () => {
    const { object, oldObject } = admissionRequest("000-web.statefulset-web.update-scale.validate.json");
    const [template] = object.spec!.volumeClaimTemplates!;
    template!.spec!.resources!.requests!.storage = "1024Mi";
    delete (template as Record<string, unknown>).status;
    delete (template as Record<string, unknown>).apiVersion;
    object.spec!.selector!.matchExpressions = [];
    expect(await runRule(id, object, { oldObject })).toEqual(none);
    // Built-in defaults left out on one side only.
    delete object.spec!.podManagementPolicy;
    delete (template!.spec as Record<string, unknown>).volumeMode;
    expect(await runRule(id, object, { oldObject })).toEqual(none);
    object.spec!.podManagementPolicy = "Parallel";
    expect((await runRule(id, object, { oldObject })).denials).toHaveLength(1);
  });

  it("names each other changed field, with how to change it", async () => {
    const old = baseStatefulSet();
    const updated = structuredClone(old);
    updated.spec!.serviceName = "web";
    updated.spec!.podManagementPolicy = "Parallel";
    updated.spec!.selector = { matchLabels: { app: "web" } };
    updated.spec!.volumeClaimTemplates![0]!.spec!.storageClassName = "fast";
    expect((await runRule(id, updated, { oldObject: old })).denials).toEqual(
      ["selector", "serviceName", "volumeClaimTemplates", "podManagementPolicy"].map(
        (field) => `spec.${field}: Forbidden: ${kubernetes}; ${recreate("web")} [${id}]`,
      ),
    );
  });

  it("does not offer the resize procedure for a shrink", async () => {
    const { object, oldObject } = admissionRequest("003-backend.statefulset-backend.update-resize-template.validate.json");
    const shrunk = structuredClone(oldObject!);
    shrunk.spec!.volumeClaimTemplates![0]!.spec!.resources!.requests!.storage = "500Mi";
    expect((await runRule(id, shrunk, { oldObject: object })).denials).toEqual([
      `spec.volumeClaimTemplates: Forbidden: ${kubernetes}; ${recreate("backend")} [${id}]`,
    ]);
  });

  it("runs on UPDATE only, and follows the configured action", async () => {
    const { object, oldObject } = admissionRequest("000-web.statefulset-web.update-resize-template.validate.json");
    expect(await runRule(id, object, { operation: "CREATE" })).toEqual(none);
    const warned = await runRule(id, object, { oldObject, policy: { rules: { [id]: { action: "warn" } } } });
    expect([warned.denials.length, warned.warnings.length]).toEqual([0, 1]);
    expect(await runRule(id, object, { oldObject, policy: { rules: { [id]: { action: "off" } } } })).toEqual(none);
  });
});
