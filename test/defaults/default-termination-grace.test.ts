import { describe, expect, it } from "vitest";
import { admission, only, run, runFixture, seed } from "./helpers.js";

const id = "default-termination-grace";
const policy = only(id, { seconds: 60 });
const field = (o: Record<string, any>) => o.spec.template.spec.terminationGracePeriodSeconds;

describe(id, () => {
  it("sets the configured value on a raw manifest that has none", () => {
    const out = run("StatefulSet", seed("002-mysql.yaml", "StatefulSet"), policy);
    expect(field(out.patched)).toBe(60);
    expect(out.described).toEqual([`set spec.template.spec.terminationGracePeriodSeconds to 60 [${id}]`]);
    expect(out.patched.metadata.annotations["stateward.dev/defaulted"]).toBe(id);
  });

  it("makes the built-in 30 explicit out of the box", () => {
    const out = run("StatefulSet", seed("004-web.yaml", "StatefulSet"));
    expect(field(out.patched)).toBe(30);
  });

  it.each(["client", "server", "create"])("replaces the API server's 30 on an object made by %s", (how) => {
    const name = `002-mysql.statefulset-mysql.${how}.mutate`;
    expect(field(admission(name).object)).toBe(30);
    const out = runFixture(name, policy);
    expect(field(out.patched)).toBe(60);
    expect(out.applied).toEqual([id]);
  });

  it("leaves a 30 from kubectl create alone when the policy keeps built-in defaults", () => {
    const out = runFixture("002-mysql.statefulset-mysql.create.mutate", only(id, { seconds: 60 }, { overrideBuiltinDefaults: false }));
    expect(out.patch).toBeUndefined();
  });

  it.each(["client", "server", "create"])("never overwrites the user's 10 (%s)", (how) => {
    const out = runFixture(`000-web.statefulset-web.${how}.mutate`, policy);
    expect(out.patch).toBeUndefined();
    expect(out.changes).toEqual([]);
  });

  it("leaves the user's value in a raw manifest", () => {
    expect(run("StatefulSet", seed("000-web.yaml", "StatefulSet"), policy).patch).toBeUndefined();
  });

  it("counts a value the SSA user applied, even when it equals the built-in default", () => {
    const f = admission("002-mysql.statefulset-mysql.server.mutate");
    const podSpecFields = f.object.metadata.managedFields[0].fieldsV1["f:spec"]["f:template"]["f:spec"];
    podSpecFields["f:terminationGracePeriodSeconds"] = {};
    expect(run(f.kind, f.object, policy).patch).toBeUndefined();
  });

  it("on UPDATE leaves a value the update did not change, and keeps one it changes (kubectl edit)", () => {
    const f = admission("002-mysql.statefulset-mysql.update-scale.validate");
    expect(run(f.kind, f.object, policy, "UPDATE", f.oldObject).patch).toBeUndefined();
    const edited = structuredClone(f.object);
    edited.spec.template.spec.terminationGracePeriodSeconds = 45;
    expect(run(f.kind, edited, policy, "UPDATE", f.oldObject).patch).toBeUndefined();
  });

  it("on UPDATE replaces the built-in value the API server filled in after kubectl apply dropped the field", () => {
    const f = admission("002-mysql.statefulset-mysql.update-scale.validate");
    f.oldObject!.spec.template.spec.terminationGracePeriodSeconds = 120;
    const out = run(f.kind, f.object, policy, "UPDATE", f.oldObject);
    expect(out.patched.spec.template.spec.terminationGracePeriodSeconds).toBe(60);
    expect(run(f.kind, out.patched, policy, "UPDATE", f.oldObject).patch).toBeUndefined();
  });

  it("is idempotent", () => {
    const first = runFixture("002-mysql.statefulset-mysql.client.mutate", policy);
    expect(run("StatefulSet", first.patched, policy).patch).toBeUndefined();
  });
});
