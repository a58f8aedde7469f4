import { describe, expect, it } from "vitest";
import { admission, only, run, runFixture, seed } from "./helpers.js";

const id = "default-pod-management-policy";
const parallel = only(id, { podManagementPolicy: "Parallel" });

describe(id, () => {
  it("sets the configured policy on a raw manifest that has none", () => {
    const out = run("StatefulSet", seed("003-backend.yaml", "StatefulSet"), parallel);
    expect(out.patched.spec.podManagementPolicy).toBe("Parallel");
    expect(out.described).toEqual([`set spec.podManagementPolicy to "Parallel" [${id}]`]);
  });

  it("makes OrderedReady explicit out of the box", () => {
    expect(run("StatefulSet", seed("003-backend.yaml", "StatefulSet"), only(id)).patched.spec.podManagementPolicy).toBe(
      "OrderedReady",
    );
  });

  it.each(["client", "server", "create"])("replaces the API server's OrderedReady on an object made by %s", (how) => {
    const out = runFixture(`003-backend.statefulset-backend.${how}.mutate`, parallel);
    expect(out.patched.spec.podManagementPolicy).toBe("Parallel");
  });

  it("leaves OrderedReady from kubectl create alone when the policy keeps built-in defaults", () => {
    expect(
      runFixture("003-backend.statefulset-backend.create.mutate", only(id, { podManagementPolicy: "Parallel" }, { overrideBuiltinDefaults: false }))
        .patch,
    ).toBeUndefined();
  });

  it("never overwrites the user's policy", () => {
    const manifest = seed("003-backend.yaml", "StatefulSet");
    manifest.spec.podManagementPolicy = "OrderedReady";
    // No records in a raw manifest: OrderedReady equals the built-in default, so the policy decides.
    expect(run("StatefulSet", manifest, parallel, "CREATE").patched.spec.podManagementPolicy).toBe("Parallel");
    const f = admission("003-backend.statefulset-backend.server.mutate");
    f.object.metadata.managedFields[0].fieldsV1["f:spec"]["f:podManagementPolicy"] = {};
    expect(run(f.kind, f.object, parallel).patch).toBeUndefined();
    const c = admission("003-backend.statefulset-backend.create.mutate");
    c.object.spec.podManagementPolicy = "Parallel";
    expect(run(c.kind, c.object, only(id)).patch).toBeUndefined();
  });

  it("does not run on UPDATE: the API server forbids changing the policy", () => {
    const f = admission("002-mysql.statefulset-mysql.update-scale.validate");
    expect(run(f.kind, f.object, parallel, "UPDATE", f.oldObject).patch).toBeUndefined();
  });
});
