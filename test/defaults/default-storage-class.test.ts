import { describe, expect, it } from "vitest";
import { admission, only, run, runFixture, seed } from "./helpers.js";

const id = "default-storage-class";
const fast = only(id, { storageClassName: "fast" });
const lastAppliedKey = "kubectl.kubernetes.io/last-applied-configuration";
const template0 = (o: Record<string, any>) => o.spec.volumeClaimTemplates[0];

/** The nfs claim without a class, as the user wrote it. */
function classlessClaim() {
  const claim = seed("002-nfs.yaml", "PersistentVolumeClaim");
  delete claim.spec.storageClassName;
  return claim;
}

/**
 * The nfs claim created by `how` from a manifest without a class, in a cluster whose DefaultStorageClass admission
 * plugin filled in "standard" before webhooks ran.
 */
function pluginDefaultedClaim(how: "client" | "server" | "create") {
  const f = admission(`002-nfs.persistentvolumeclaim-nginx-pvc.${how}.mutate`);
  f.object.spec.storageClassName = "standard";
  const metadata = f.object.metadata;
  if (how === "client") {
    const manifest = JSON.parse(metadata.annotations[lastAppliedKey]);
    delete manifest.spec.storageClassName;
    metadata.annotations[lastAppliedKey] = JSON.stringify(manifest);
  }
  if (how === "server") delete metadata.managedFields[0].fieldsV1["f:spec"]["f:storageClassName"];
  return f;
}

describe(id, () => {
  it("does nothing until a policy names the class", () => {
    expect(run("PersistentVolumeClaim", classlessClaim(), only(id)).patch).toBeUndefined();
    expect(run("StatefulSet", seed("002-mysql.yaml", "StatefulSet"), only(id)).patch).toBeUndefined();
  });

  it("sets the class of a raw claim and a raw claim template that name none", () => {
    const pvc = run("PersistentVolumeClaim", classlessClaim(), fast);
    expect(pvc.patched.spec.storageClassName).toBe("fast");
    expect(pvc.described).toEqual([`set spec.storageClassName to "fast" [${id}]`]);
    const sts = run("StatefulSet", seed("002-mysql.yaml", "StatefulSet"), fast);
    expect(template0(sts.patched).spec.storageClassName).toBe("fast");
    expect(sts.described).toEqual([`set spec.volumeClaimTemplates[0].spec.storageClassName to "fast" [${id}]`]);
  });

  it.each(["client", "server", "create"])("sets the class of a claim template made by %s", (how) => {
    const out = runFixture(`002-mysql.statefulset-mysql.${how}.mutate`, fast);
    expect(template0(out.patched).spec.storageClassName).toBe("fast");
  });

  it.each(["client", "server"] as const)(
    "replaces the admission plugin's class when %s-side apply records prove the user named none",
    (how) => {
      const f = pluginDefaultedClaim(how);
      expect(run(f.kind, f.object, fast).patched.spec.storageClassName).toBe("fast");
    },
  );

  it("keeps the admission plugin's class after kubectl create: nothing tells it from the user's", () => {
    const f = pluginDefaultedClaim("create");
    expect(run(f.kind, f.object, fast).patch).toBeUndefined();
  });

  it.each(["client", "server", "create"])("never overwrites the user's class (%s)", (how) => {
    expect(runFixture(`002-nfs.persistentvolumeclaim-nginx-pvc.${how}.mutate`, fast).patch).toBeUndefined();
    expect(runFixture(`000-web.statefulset-web.${how}.mutate`, fast).patch).toBeUndefined();
  });

  it("leaves a claim that names its class through the legacy annotation or asks for none with \"\"", () => {
    const legacy = classlessClaim();
    legacy.metadata.annotations = { "volume.beta.kubernetes.io/storage-class": "slow" };
    expect(run("PersistentVolumeClaim", legacy, fast).patch).toBeUndefined();
    const empty = classlessClaim();
    empty.spec.storageClassName = "";
    expect(run("PersistentVolumeClaim", empty, fast).patch).toBeUndefined();
    const sts = seed("002-mysql.yaml", "StatefulSet");
    template0(sts).metadata.annotations = { "volume.beta.kubernetes.io/storage-class": "slow" };
    expect(run("StatefulSet", sts, fast).patch).toBeUndefined();
  });

  it("leaves a claim bound to an existing volume by name or selector", () => {
    const named = classlessClaim();
    named.spec.volumeName = "pv-nfs";
    expect(run("PersistentVolumeClaim", named, fast).patch).toBeUndefined();
    const selected = seed("000-web-pvc.yaml", "PersistentVolumeClaim", "www-web-0");
    delete selected.spec.storageClassName;
    expect(run("PersistentVolumeClaim", selected, fast).patch).toBeUndefined();
  });

  it("does not run on UPDATE: a claim's class cannot change", () => {
    expect(run("PersistentVolumeClaim", classlessClaim(), fast, "UPDATE", classlessClaim()).patch).toBeUndefined();
  });

  it("rejects a class name that is not a DNS-1123 subdomain", () => {
    expect(() => run("PersistentVolumeClaim", classlessClaim(), only(id, { storageClassName: "Fast_SSD" }))).toThrow(
      /storageClassName: must be a StorageClass name/,
    );
  });
});
