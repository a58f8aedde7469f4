import { describe, expect, it } from "vitest";
import { admission, findings, manifest, none, pvc, review, reviewOf, statefulSet } from "./storage-helpers.js";

const run = (object: unknown, options: Parameters<typeof findings>[2] = {}) =>
  findings("pvc-selector-provisioning", review(object), options);
const selector = { matchLabels: { type: "web-pv0" } };
const seedMessage =
  'spec.selector: Forbidden: provisioners refuse claims with a selector; it binds only to an existing PersistentVolume with these labels and class "my-storage-class" [pvc-selector-provisioning]';

describe("pvc-selector-provisioning", () => {
  it("is silent for a claim without a selector, or with a selector and no class or the empty class", async () => {
    expect(await run(pvc("data", { storageClassName: "standard" }))).toEqual(none);
    expect(await run(pvc("data", { selector }))).toEqual(none);
    expect(await run(pvc("data", { selector, storageClassName: "" }))).toEqual(none);
  });

  it("warns that a claim with a selector and a class binds only to a pre-created volume (seed 000-web-pvc)", async () => {
    expect(await run(manifest("seeds/000-web-pvc.yaml", "PersistentVolumeClaim", "www-web-0"))).toEqual({ deny: [], warn: [seedMessage] });
    const request = admission("000-web-pvc.persistentvolumeclaim-www-web-0.server.validate.json");
    expect(await findings("pvc-selector-provisioning", reviewOf(request))).toEqual({ deny: [], warn: [seedMessage] });
  });

  it("applies to a StatefulSet's claim templates and to the legacy annotation", async () => {
    const sts = statefulSet("web", [
      pvc("www", { selector }, { annotations: { "volume.beta.kubernetes.io/storage-class": "fast" } }),
    ]);
    expect((await run(sts)).warn).toEqual([
      'spec.volumeClaimTemplates[0].spec.selector: Forbidden: provisioners refuse claims with a selector; it binds only to an existing PersistentVolume with these labels and class "fast" [pvc-selector-provisioning]',
    ]);
  });

  it("does not judge again on UPDATE the selector the claim had, in whatever order its keys come", async () => {
    const before = pvc("data", { selector: { matchLabels: { app: "db", tier: "data" } }, storageClassName: "fast" }, { labels: { v: "1" } });
    const relabelled = pvc("data", { selector: { matchLabels: { tier: "data", app: "db" } }, storageClassName: "fast" }, { labels: { v: "2" } });
    expect(await findings("pvc-selector-provisioning", review(relabelled, before))).toEqual(none);
    expect((await run(relabelled)).warn).toHaveLength(1);
  });

  it("switches the action by policy", async () => {
    const claim = manifest("seeds/000-web-pvc.yaml", "PersistentVolumeClaim", "www-web-0");
    expect(await run(claim, { policy: { rules: { "pvc-selector-provisioning": { action: "deny" } } } })).toEqual({ deny: [seedMessage], warn: [] });
    expect(await run(claim, { policy: { rules: { "pvc-selector-provisioning": { action: "off" } } } })).toEqual(none);
  });

  it("is silent for the other seeds' claims", async () => {
    expect(await run(manifest("seeds/002-nfs.yaml", "PersistentVolumeClaim"))).toEqual(none);
    for (const file of ["seeds/000-web.yaml", "seeds/001-web.yaml", "seeds/002-mysql.yaml", "seeds/003-backend.yaml"]) {
      expect(await run(manifest(file, "StatefulSet"))).toEqual(none);
    }
  });
});
