import { describe, expect, it } from "vitest";
import { memoryClusterView, type StorageClassRecord } from "../../src/cluster/view.js";
import {
  admission,
  clone,
  findings,
  manifest,
  none,
  pvc,
  review,
  reviewOf,
  statefulSet,
} from "./storage-helpers.js";

const sc = (name: string, isDefault = false): StorageClassRecord => ({
  name,
  provisioner: "ebs.csi.aws.com",
  allowVolumeExpansion: true,
  isDefault,
});
const classes = (...list: StorageClassRecord[]) => memoryClusterView({ storageClasses: list });
const run = (object: unknown, options: Parameters<typeof findings>[2] = {}) =>
  findings("storage-class", review(object), options);
const allowList = { rules: { "storage-class": { allowed: ["fast", "standard"] } } };

describe("storage-class", () => {
  it("passes a class that exists and is allowed", async () => {
    expect(await run(pvc("data", { storageClassName: "standard" }), { policy: allowList, cluster: classes(sc("standard")) })).toEqual(none);
  });

  it("denies a class missing from the allow-list, listing the allowed ones", async () => {
    expect(await run(pvc("data", { storageClassName: "slow" }), { policy: allowList })).toEqual({
      deny: ['spec.storageClassName: Unsupported value: "slow": supported values: "fast", "standard" [storage-class]'],
      warn: [],
    });
  });

  it("points into the claim template of a StatefulSet", async () => {
    const sts = statefulSet("db", [pvc("data", { storageClassName: "fast" }), pvc("logs", { storageClassName: "slow" })]);
    expect((await run(sts, { policy: allowList })).deny).toEqual([
      'spec.volumeClaimTemplates[1].spec.storageClassName: Unsupported value: "slow": supported values: "fast", "standard" [storage-class]',
    ]);
  });

  it("switches the action by policy, globally and per namespace", async () => {
    const claim = pvc("data", { storageClassName: "slow" });
    const policy = {
      rules: { "storage-class": { allowed: ["fast"], action: "warn" } },
      namespaces: { prod: { rules: { "storage-class": { action: "deny" } } }, lab: { rules: { "storage-class": { action: "off" } } } },
    };
    const message = 'spec.storageClassName: Unsupported value: "slow": supported values: "fast" [storage-class]';
    expect(await run(claim, { policy })).toEqual({ deny: [], warn: [message] });
    expect(await run(claim, { policy, namespace: "prod" })).toEqual({ deny: [message], warn: [] });
    expect(await run(claim, { policy, namespace: "lab" })).toEqual(none);
  });

  it("reads the legacy annotation, which wins over storageClassName", async () => {
    const cassandra = manifest("corpus/k8s-examples__databases__cassandra__cassandra-statefulset.yaml", "StatefulSet");
    const spec = (cassandra.spec as { volumeClaimTemplates: { spec: Record<string, unknown> }[] }).volumeClaimTemplates[0]!.spec;
    spec.storageClassName = "standard";
    expect(await run(cassandra, { policy: allowList, cluster: classes(sc("fast"), sc("standard")) })).toEqual(none);
    expect((await run(cassandra, { policy: { rules: { "storage-class": { allowed: ["standard"] } } } })).deny).toEqual([
      'spec.volumeClaimTemplates[0].metadata.annotations[volume.beta.kubernetes.io/storage-class]: Unsupported value: "fast": supported values: "standard" [storage-class]',
    ]);
  });

  describe("a class the cluster view knows does not exist", () => {
    const seed001 = manifest("seeds/001-web.yaml", "StatefulSet");
    const missing =
      'spec.volumeClaimTemplates[0].spec.storageClassName: Not found: "gluster-heketi": no such StorageClass; only a pre-created PersistentVolume of this class can bind, else the claim stays Pending [storage-class]';

    it("warns by default, since static PersistentVolumes may name a class without a StorageClass object", async () => {
      expect(await run(seed001, { cluster: classes(sc("standard", true)) })).toEqual({ deny: [], warn: [missing] });
    });

    it("denies when the policy requires the class to exist", async () => {
      const policy = { rules: { "storage-class": { requireExisting: true } } };
      expect(await run(seed001, { policy, cluster: classes(sc("standard", true)) })).toEqual({ deny: [missing], warn: [] });
    });

    it("says nothing when the lookup is unknown", async () => {
      const policy = { rules: { "storage-class": { requireExisting: true } } };
      expect(await run(seed001, { policy })).toEqual(none);
    });

    it("says nothing for a claim bound explicitly by selector or volumeName (seed 000-web-pvc)", async () => {
      const policy = { rules: { "storage-class": { requireExisting: true } } };
      for (const name of ["www-web-0", "www-web-1"]) {
        const claim = manifest("seeds/000-web-pvc.yaml", "PersistentVolumeClaim", name);
        expect(await run(claim, { policy, cluster: classes() })).toEqual(none);
      }
      const nfs = manifest("corpus/k8s-examples__archived__volumes__nfs__nfs-pvc.yaml", "PersistentVolumeClaim");
      expect(await run({ ...nfs, spec: { ...(nfs.spec as object), storageClassName: "nfs" } }, { policy, cluster: classes() })).toEqual(none);
    });
  });

  describe('storageClassName: "" (static binding)', () => {
    const nfs = manifest("corpus/k8s-examples__archived__volumes__nfs__nfs-pvc.yaml", "PersistentVolumeClaim");

    it("is allowed by default, even with an allow-list", async () => {
      expect(await run(nfs, { policy: allowList, cluster: classes() })).toEqual(none);
    });

    it("is denied when the policy forbids it", async () => {
      expect(await run(nfs, { policy: { rules: { "storage-class": { allowEmpty: false } } } })).toEqual({
        deny: ["spec.storageClassName: Forbidden: static binding with an empty class is disabled by policy; name a StorageClass [storage-class]"],
        warn: [],
      });
    });
  });

  describe("a claim without a class", () => {
    const mysql = manifest("seeds/002-mysql.yaml", "StatefulSet");
    const path = "spec.volumeClaimTemplates[0].spec.storageClassName";

    it("passes when the cluster view names a default class", async () => {
      expect(await run(mysql, { cluster: classes(sc("standard", true), sc("fast")) })).toEqual(none);
    });

    it("passes when the policy names the default class", async () => {
      expect(await run(mysql, { policy: { rules: { "storage-class": { defaultClass: "gp3" } } } })).toEqual(none);
    });

    it("warns, even under deny, when the cluster has no default class", async () => {
      expect(await run(mysql, { cluster: classes(sc("fast")) })).toEqual({
        deny: [],
        warn: [
          `${path}: Required value: the cluster has no default StorageClass, so the claim stays Pending until one exists; set storageClassName [storage-class]`,
        ],
      });
    });

    it("warns when no default class can be verified", async () => {
      expect(await run(mysql)).toEqual({
        deny: [],
        warn: [
          `${path}: Required value: the claim relies on the cluster's default StorageClass, which could not be verified; set storageClassName or policy defaultClass [storage-class]`,
        ],
      });
    });

    it("is denied when the default class is not on the allow-list", async () => {
      expect((await run(mysql, { policy: allowList, cluster: classes(sc("slow", true)) })).deny).toEqual([
        `${path}: Required value: the default class "slow" is not allowed; set one of "fast", "standard" [storage-class]`,
      ]);
      const policy = { rules: { "storage-class": { allowed: ["fast", "standard"], defaultClass: "standard" } } };
      expect(await run(mysql, { policy, cluster: classes(sc("slow", true)) })).toEqual(none);
    });
  });

  describe("objects as the API server sends them", () => {
    it("checks a defaulted PVC (002-nfs, server-side apply)", async () => {
      const request = admission("002-nfs.persistentvolumeclaim-nginx-pvc.server.validate.json");
      expect(await findings("storage-class", reviewOf(request), { policy: { rules: { "storage-class": { allowed: ["nfs-storage"] } } } })).toEqual(none);
      expect((await findings("storage-class", reviewOf(request), { policy: allowList })).deny).toEqual([
        'spec.storageClassName: Unsupported value: "nfs-storage": supported values: "fast", "standard" [storage-class]',
      ]);
    });

    it("does not judge an unchanged claim template again on UPDATE (scaling 000-web)", async () => {
      const request = admission("000-web.statefulset-web.update-scale.validate.json");
      const policy = { rules: { "storage-class": { allowed: ["fast"] } } };
      expect(await findings("storage-class", reviewOf(request), { policy })).toEqual(none);
      expect((await findings("storage-class", review(request.object), { policy })).deny).toHaveLength(1);
    });

    it("judges a claim template whose class an UPDATE changes", async () => {
      const request = admission("000-web.statefulset-web.update-scale.validate.json");
      const object = clone(request.object) as ReturnType<typeof statefulSet>;
      (object.spec.volumeClaimTemplates[0]!.spec as Record<string, unknown>).storageClassName = "slow";
      expect((await findings("storage-class", review(object, request.oldObject), { policy: allowList })).deny).toEqual([
        'spec.volumeClaimTemplates[0].spec.storageClassName: Unsupported value: "slow": supported values: "fast", "standard" [storage-class]',
      ]);
    });
  });
});
