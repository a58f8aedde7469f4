import { describe, expect, it } from "vitest";
import { memoryClusterView } from "../../src/cluster/view.js";
import { admissionRequest, baseStatefulSet, none, runAdmission, runRule } from "./helpers.js";

const id = "statefulset-immutable-fields";
const kubernetes =
  "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";
const recreate = (name: string) => `to change it, kubectl delete statefulset ${name} --cascade=orphan and re-create it; pods and PVCs are kept`;

describe(id, () => {
  it("allows scaling a defaulted StatefulSet", async () => {
    expect(await runAdmission(id, "000-web.statefulset-web.update-scale.validate.json")).toEqual(none);
    expect(await runAdmission(id, "004-web.statefulset-web.update-scale.validate.json")).toEqual(none);
  });

  it("denies resizing a claim template with the recipe: the class's verdict first, then the claims' own commands", async () => {
    const recipe = (verdict: string, claims: string, size: string, name: string) =>
      `spec.volumeClaimTemplates: Forbidden: ${kubernetes}; ${verdict}; to resize: for i in ${claims}; do kubectl -n default patch pvc ${name}-$i -p '{"spec":{"resources":{"requests":{"storage":"${size}"}}}}'; done; kubectl -n default delete statefulset ${name.split("-").at(-1)} --cascade=orphan; then re-apply the StatefulSet with the new size (pods and PVCs are kept and adopted) [${id}]`;
    const file = "000-web.statefulset-web.update-resize-template.validate.json";
    const classes = (allowVolumeExpansion: boolean | null) =>
      memoryClusterView({ storageClasses: [{ name: "my-storage-class", provisioner: "csi.example", allowVolumeExpansion, isDefault: false }] });
    expect(await runAdmission(id, file)).toEqual({
      denials: [recipe('whether StorageClass "my-storage-class" allows expansion could not be verified: no cluster view is configured', "0 1", "20Gi", "www-web")],
      warnings: [],
    });
    expect((await runAdmission(id, file, { cluster: classes(true) })).denials).toEqual([
      recipe('StorageClass "my-storage-class" allows volume expansion', "0 1", "20Gi", "www-web"),
    ]);
    expect((await runAdmission(id, file, { cluster: classes(null) })).denials).toEqual([
      recipe(
        'StorageClass "my-storage-class" does not allow volume expansion (allowVolumeExpansion is not true), so the claims cannot grow; only new claims of a class that does can',
        "0 1",
        "20Gi",
        "www-web",
      ),
    ]);
    expect((await runAdmission(id, file, { cluster: memoryClusterView({ storageClasses: [] }) })).denials).toEqual([
      recipe('StorageClass "my-storage-class" does not exist, so the claims cannot be expanded', "0 1", "20Gi", "www-web"),
    ]);
  });

  it("names every claim of the live pods: ordinals from spec.ordinals.start, a range as seq beyond three", async () => {
    const { object, oldObject } = admissionRequest("002-mysql.statefulset-mysql.update-resize-template.validate.json");
    const fast = memoryClusterView({ storageClasses: [{ name: "fast", provisioner: "csi.example", allowVolumeExpansion: true, isDefault: true }] });
    for (const s of [object, oldObject!]) {
      s.spec!.replicas = 5;
      s.spec!.ordinals = { start: 1 };
      delete s.spec!.volumeClaimTemplates![0]!.spec!.storageClassName;
    }
    const [denial] = (await runRule(id, object, { oldObject, cluster: fast })).denials;
    expect(denial).toContain(
      `; StorageClass "fast" allows volume expansion; to resize: for i in $(seq 1 5); do kubectl -n default patch pvc mysql-persistent-storage-mysql-$i -p '{"spec":{"resources":{"requests":{"storage":"${object.spec!.volumeClaimTemplates![0]!.spec!.resources!.requests!.storage}"}}}}'; done; kubectl -n default delete statefulset mysql --cascade=orphan;`,
    );
  });

  it("allows every field Kubernetes lets an update change", async () => {
    const old = baseStatefulSet();
    const updated = structuredClone(old);
    Object.assign(updated.spec!, {
      replicas: 5,
      ordinals: { start: 1 },
      updateStrategy: { type: "OnDelete" },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Delete" },
      minReadySeconds: 10,
    });
    updated.spec!.template!.spec!.containers![0]!.image = "nginx:1.28";
    expect(await runRule(id, updated, { oldObject: old })).toEqual(none);
  });

  it("denies a changed revisionHistoryLimit, which ValidateStatefulSetUpdate does not let change (kubernetes#56341)", async () => {
    const old = baseStatefulSet();
    const updated = structuredClone(old);
    updated.spec!.revisionHistoryLimit = 3;
    expect((await runRule(id, updated, { oldObject: old })).denials).toEqual([`spec.revisionHistoryLimit: Forbidden: ${kubernetes}; ${recreate("web")} [${id}]`]);
    // Left out, it is the built-in default 10 the stored object holds: no change.
    old.spec!.revisionHistoryLimit = 10;
    delete updated.spec!.revisionHistoryLimit;
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

  it("says first that a shrink is never possible, and offers no resize procedure for it", async () => {
    const { object, oldObject } = admissionRequest("003-backend.statefulset-backend.update-resize-template.validate.json");
    const shrunk = structuredClone(oldObject!);
    shrunk.spec!.volumeClaimTemplates![0]!.spec!.resources!.requests!.storage = "500Mi";
    expect((await runRule(id, shrunk, { oldObject: object })).denials).toEqual([
      `spec.volumeClaimTemplates: Forbidden: ${kubernetes}; backend-persistent-storage shrinks from 20Gi to 500Mi, which is never possible: a volume cannot shrink; copy the data to new, smaller claims instead [${id}]`,
    ]);
    // A change besides the size is no resize: the template is re-created whole.
    shrunk.spec!.volumeClaimTemplates![0]!.spec!.accessModes = ["ReadWriteMany"];
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
