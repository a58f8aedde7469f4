import { describe, expect, it } from "vitest";
import { admission, only, run, seed } from "./helpers.js";

const id = "default-access-modes";
const template0 = (o: Record<string, any>) => o.spec.volumeClaimTemplates[0];

/** A fixture whose claims the user wrote without accessModes (the API server never defaults them). */
function withoutModes(name: string) {
  const f = admission(name);
  for (const claim of f.kind === "StatefulSet" ? f.object.spec.volumeClaimTemplates : [f.object]) delete claim.spec.accessModes;
  const manifestKey = "kubectl.kubernetes.io/last-applied-configuration";
  const annotations = f.object.metadata.annotations;
  if (annotations?.[manifestKey]) {
    const manifest = JSON.parse(annotations[manifestKey]);
    for (const claim of f.kind === "StatefulSet" ? manifest.spec.volumeClaimTemplates : [manifest]) delete claim.spec.accessModes;
    annotations[manifestKey] = JSON.stringify(manifest);
  }
  return f;
}

describe(id, () => {
  it("sets ReadWriteOnce on a raw claim and claim template out of the box", () => {
    const claim = seed("002-nfs.yaml", "PersistentVolumeClaim");
    delete claim.spec.accessModes;
    const pvc = run("PersistentVolumeClaim", claim, only(id));
    expect(pvc.patched.spec.accessModes).toEqual(["ReadWriteOnce"]);
    expect(pvc.described).toEqual([`set spec.accessModes to ["ReadWriteOnce"] [${id}]`]);
    const sts = seed("002-mysql.yaml", "StatefulSet");
    template0(sts).spec.accessModes = [];
    const out = run("StatefulSet", sts, only(id, { accessModes: ["ReadWriteOncePod"] }));
    expect(template0(out.patched).spec.accessModes).toEqual(["ReadWriteOncePod"]);
    expect(out.described).toEqual([`set spec.volumeClaimTemplates[0].spec.accessModes to ["ReadWriteOncePod"] [${id}]`]);
  });

  it.each(["client", "server", "create"])("sets the configured modes on objects made by %s", (how) => {
    const policy = only(id, { accessModes: ["ReadWriteMany"] });
    const sts = withoutModes(`002-mysql.statefulset-mysql.${how}.mutate`);
    expect(template0(run(sts.kind, sts.object, policy).patched).spec.accessModes).toEqual(["ReadWriteMany"]);
    const pvc = withoutModes(`002-nfs.persistentvolumeclaim-nginx-pvc.${how}.mutate`);
    expect(run(pvc.kind, pvc.object, policy).patched.spec.accessModes).toEqual(["ReadWriteMany"]);
  });

  it.each(["client", "server", "create"])("never overwrites the user's modes (%s)", (how) => {
    const policy = only(id, { accessModes: ["ReadWriteOncePod"] });
    const pvc = admission(`002-nfs.persistentvolumeclaim-nginx-pvc.${how}.mutate`);
    expect(run(pvc.kind, pvc.object, policy).patch).toBeUndefined();
    const sts = admission(`002-mysql.statefulset-mysql.${how}.mutate`);
    expect(run(sts.kind, sts.object, policy).patch).toBeUndefined();
  });

  it("rejects modes Kubernetes would reject together", () => {
    const claim = seed("002-nfs.yaml", "PersistentVolumeClaim");
    expect(() => run("PersistentVolumeClaim", claim, only(id, { accessModes: ["ReadWriteOncePod", "ReadOnlyMany"] }))).toThrow(
      /ReadWriteOncePod may not be combined/,
    );
    expect(() => run("PersistentVolumeClaim", claim, only(id, { accessModes: [] }))).toThrow(/accessModes/);
  });
});
