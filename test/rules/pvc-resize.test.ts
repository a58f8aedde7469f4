import { describe, expect, it } from "vitest";
import { memoryClusterView, type StorageClassRecord } from "../../src/cluster/view.js";
import { admission, clone, findings, none, pvc, review } from "./storage-helpers.js";

const sc = (name: string, allowVolumeExpansion: boolean | null): StorageClassRecord => ({
  name,
  provisioner: "ebs.csi.aws.com",
  allowVolumeExpansion,
  isDefault: false,
});
const cluster = memoryClusterView({ storageClasses: [sc("expandable", true), sc("fixed", null), sc("nfs-storage", false)] });
const sized = (storage: string, storageClassName = "expandable", status?: unknown) => ({
  ...pvc("data", { storageClassName, resources: { requests: { storage } } }),
  ...(status ? { status } : {}),
});
const resize = (from: unknown, to: unknown, options: Parameters<typeof findings>[2] = {}) =>
  findings("pvc-resize", review(to, from), { cluster, ...options });
const path = "spec.resources.requests.storage";
const unsupported =
  "only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize";

describe("pvc-resize", () => {
  it("passes growing a claim whose class allows expansion, and an unchanged size", async () => {
    expect(await resize(sized("10Gi"), sized("20Gi"))).toEqual(none);
    expect(await resize(sized("10Gi"), sized("10240Mi"))).toEqual(none);
  });

  it("denies shrinking with the API server's wording", async () => {
    expect(await resize(sized("10Gi"), sized("5Gi"))).toEqual({
      deny: [`${path}: Forbidden: field can not be less than previous value; volumes cannot shrink: copy the data to a new, smaller claim [pvc-resize]`],
      warn: [],
    });
  });

  it("allows lowering a failed expansion's request back, down to above the real capacity", async () => {
    const capacity = { capacity: { storage: "10Gi" } };
    expect(await resize(sized("100Gi", "expandable", capacity), sized("20Gi", "expandable", capacity))).toEqual(none);
    expect((await resize(sized("100Gi", "expandable", capacity), sized("10Gi", "expandable", capacity))).deny).toHaveLength(1);
  });

  it("denies growing when the class does not allow expansion, is missing, or there is no class", async () => {
    expect((await resize(sized("1Gi", "fixed"), sized("2Gi", "fixed"))).deny).toEqual([
      `${path}: Forbidden: ${unsupported}; StorageClass "fixed" does not set allowVolumeExpansion: true [pvc-resize]`,
    ]);
    expect((await resize(sized("1Gi", "gone"), sized("2Gi", "gone"))).deny).toEqual([
      `${path}: Forbidden: ${unsupported}; StorageClass "gone" does not exist [pvc-resize]`,
    ]);
    expect((await resize(sized("1Gi", ""), sized("2Gi", ""))).deny).toEqual([
      `${path}: Forbidden: ${unsupported}; this claim has no StorageClass [pvc-resize]`,
    ]);
  });

  it("warns, even under deny, when the class cannot be looked up", async () => {
    expect(await resize(sized("1Gi"), sized("2Gi"), { cluster: memoryClusterView({}) })).toEqual({
      deny: [],
      warn: [
        `${path}: Forbidden: resizing needs allowVolumeExpansion on StorageClass "expandable", which could not be verified: StorageClasses have not been synced to the cluster view [pvc-resize]`,
      ],
    });
  });

  it("runs on UPDATE only, and its action is switched by policy", async () => {
    expect(await findings("pvc-resize", review(sized("5Gi")), { cluster, operation: "CREATE" })).toEqual(none);
    const policy = { rules: { "pvc-resize": { action: "warn" } } };
    expect((await resize(sized("10Gi"), sized("5Gi"), { policy })).warn).toHaveLength(1);
    expect(await resize(sized("10Gi"), sized("5Gi"), { policy: { rules: { "pvc-resize": { action: "off" } } } })).toEqual(none);
  });

  it("judges a resize of a claim as the API server sends it (002-nfs)", async () => {
    const created = admission("002-nfs.persistentvolumeclaim-nginx-pvc.server.validate.json").object as ReturnType<typeof pvc>;
    const bound = { ...clone(created), status: { phase: "Bound", capacity: { storage: "10Gi" } } };
    const grown = clone(bound);
    grown.spec.resources.requests.storage = "20Gi";
    expect((await resize(bound, grown)).deny).toEqual([
      `${path}: Forbidden: ${unsupported}; StorageClass "nfs-storage" does not set allowVolumeExpansion: true [pvc-resize]`,
    ]);
  });
});
