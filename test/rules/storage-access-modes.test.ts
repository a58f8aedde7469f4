import { describe, expect, it } from "vitest";
import { admission, clone, findings, manifest, none, pvc, review, reviewOf, statefulSet } from "./storage-helpers.js";

const run = (object: unknown, options: Parameters<typeof findings>[2] = {}) =>
  findings("storage-access-modes", review(object), options);
const modes = (...accessModes: string[]) => pvc("data", { accessModes });

describe("storage-access-modes", () => {
  it("passes every known mode alone", async () => {
    for (const mode of ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"]) {
      expect(await run(modes(mode))).toEqual(none);
    }
    expect(await run(modes("ReadWriteOnce", "ReadOnlyMany"))).toEqual(none);
  });

  it("denies a claim without access modes", async () => {
    expect(await run(modes())).toEqual({
      deny: ["spec.accessModes: Required value: at least 1 access mode is required, for example ReadWriteOnce [storage-access-modes]"],
      warn: [],
    });
    expect((await run(statefulSet("db", [pvc("data", { accessModes: null })]))).deny).toEqual([
      "spec.volumeClaimTemplates[0].spec.accessModes: Required value: at least 1 access mode is required, for example ReadWriteOnce [storage-access-modes]",
    ]);
  });

  it("denies an unknown mode, listing the known ones", async () => {
    expect((await run(modes("ReadWriteOnce", "ReadWriteOnly"))).deny).toEqual([
      'spec.accessModes[1]: Unsupported value: "ReadWriteOnly": supported values: "ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod" [storage-access-modes]',
    ]);
  });

  it("denies ReadWriteOncePod combined with another mode, as the API server does", async () => {
    expect((await run(modes("ReadWriteOncePod", "ReadOnlyMany"))).deny).toEqual([
      "spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes [storage-access-modes]",
    ]);
  });

  it("denies a mode the policy does not allow", async () => {
    const policy = { rules: { "storage-access-modes": { allowed: ["ReadWriteOnce", "ReadWriteOncePod"] } } };
    expect((await run(modes("ReadWriteMany"), { policy })).deny).toEqual([
      'spec.accessModes[0]: Unsupported value: "ReadWriteMany": supported values: "ReadWriteOnce", "ReadWriteOncePod"; the policy allows no other [storage-access-modes]',
    ]);
    const nfs = manifest("seeds/002-nfs.yaml", "PersistentVolumeClaim");
    expect((await run(nfs, { policy })).deny).toHaveLength(1);
    expect(await run(nfs)).toEqual(none);
  });

  it("switches the action by policy, and rejects an unknown mode in the policy", async () => {
    const policy = { rules: { "storage-access-modes": { allowed: ["ReadWriteOncePod"], action: "warn" } } };
    expect(await run(modes("ReadWriteOnce"), { policy })).toEqual({
      deny: [],
      warn: ['spec.accessModes[0]: Unsupported value: "ReadWriteOnce": supported values: "ReadWriteOncePod"; the policy allows no other [storage-access-modes]'],
    });
    await expect(run(modes("ReadWriteOnce"), { policy: { rules: { "storage-access-modes": { allowed: ["RWO"] } } } })).rejects.toThrow(
      "rules.storage-access-modes.allowed[0]",
    );
  });

  it("passes the seeds and API-server-defaulted objects; judges only changed modes on UPDATE", async () => {
    for (const file of ["seeds/000-web.yaml", "seeds/001-web.yaml", "seeds/002-mysql.yaml", "seeds/003-backend.yaml"]) {
      expect(await run(manifest(file, "StatefulSet"))).toEqual(none);
    }
    const request = admission("000-web-pvc.persistentvolumeclaim-www-web-0.client.validate.json");
    expect(await findings("storage-access-modes", reviewOf(request))).toEqual(none);
    const policy = { rules: { "storage-access-modes": { allowed: ["ReadWriteOncePod"] } } };
    const scale = admission("000-web.statefulset-web.update-scale.validate.json");
    expect(await findings("storage-access-modes", reviewOf(scale), { policy })).toEqual(none);
    const changed = clone(scale.object) as ReturnType<typeof statefulSet>;
    (changed.spec.volumeClaimTemplates[0]!.spec as Record<string, unknown>).accessModes = [];
    expect((await findings("storage-access-modes", review(changed, scale.oldObject))).deny).toHaveLength(1);
  });
});
