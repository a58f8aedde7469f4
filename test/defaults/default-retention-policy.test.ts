import { describe, expect, it } from "vitest";
import { admission, only, run, runFixture, seed } from "./helpers.js";

const id = "default-retention-policy";
const deleting = only(id, { whenScaled: "Delete" });
const field = "persistentVolumeClaimRetentionPolicy";

describe(id, () => {
  it("sets the configured policy on a raw manifest that has none", () => {
    const out = run("StatefulSet", seed("000-web.yaml", "StatefulSet"), deleting);
    expect(out.patched.spec[field]).toEqual({ whenDeleted: "Retain", whenScaled: "Delete" });
    expect(out.described).toEqual([`set spec.${field} to {"whenDeleted":"Retain","whenScaled":"Delete"} [${id}]`]);
  });

  it.each(["client", "server", "create"])("replaces the API server's Retain/Retain on an object made by %s", (how) => {
    const out = runFixture(`000-web.statefulset-web.${how}.mutate`, deleting);
    expect(out.patched.spec[field]).toEqual({ whenDeleted: "Retain", whenScaled: "Delete" });
  });

  it.each(["client", "server", "create"])("changes nothing out of the box on an object made by %s", (how) => {
    expect(runFixture(`000-web.statefulset-web.${how}.mutate`, only(id)).patch).toBeUndefined();
  });

  it("never overwrites the user's policy, even one half of it", () => {
    const manifest = seed("000-web.yaml", "StatefulSet");
    manifest.spec[field] = { whenDeleted: "Delete" };
    expect(run("StatefulSet", manifest, deleting).patch).toBeUndefined();
    const f = admission("000-web.statefulset-web.server.mutate");
    f.object.metadata.managedFields[0].fieldsV1["f:spec"][`f:${field}`] = { "f:whenDeleted": {} };
    expect(run(f.kind, f.object, deleting).patch).toBeUndefined();
  });

  it("on UPDATE leaves a policy the update did not change, and keeps one it changes", () => {
    const f = admission("000-web.statefulset-web.update-resize-template.validate");
    expect(run(f.kind, f.object, deleting, "UPDATE", f.oldObject).patch).toBeUndefined();
    const edited = structuredClone(f.object);
    edited.spec[field] = { whenDeleted: "Delete", whenScaled: "Retain" };
    expect(run(f.kind, edited, deleting, "UPDATE", f.oldObject).patch).toBeUndefined();
  });

  it("on UPDATE sets the policy where the API server filled in Retain after kubectl apply dropped it, idempotently", () => {
    const f = admission("000-web.statefulset-web.update-resize-template.validate");
    f.oldObject!.spec[field] = { whenDeleted: "Delete", whenScaled: "Delete" };
    const out = run(f.kind, f.object, deleting, "UPDATE", f.oldObject);
    expect(out.patched.spec[field]).toEqual({ whenDeleted: "Retain", whenScaled: "Delete" });
    expect(run(f.kind, out.patched, deleting, "UPDATE", f.oldObject).patch).toBeUndefined();
  });
});
