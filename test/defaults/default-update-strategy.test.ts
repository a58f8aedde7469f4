import { describe, expect, it } from "vitest";
import { admission, only, run, runFixture, seed } from "./helpers.js";

const id = "default-update-strategy";
const partitioned = only(id, { partition: 2 });
const onDelete = only(id, { type: "OnDelete" });

describe(id, () => {
  it("sets the configured strategy on a raw manifest that has none", () => {
    const out = run("StatefulSet", seed("002-mysql.yaml", "StatefulSet"), partitioned);
    expect(out.patched.spec.updateStrategy).toEqual({ type: "RollingUpdate", rollingUpdate: { partition: 2 } });
    expect(out.described).toEqual([`set spec.updateStrategy to {"type":"RollingUpdate","rollingUpdate":{"partition":2}} [${id}]`]);
  });

  it("makes the built-in strategy explicit out of the box", () => {
    const out = run("StatefulSet", seed("004-web.yaml", "StatefulSet"), only(id));
    expect(out.patched.spec.updateStrategy).toEqual({ type: "RollingUpdate", rollingUpdate: { partition: 0 } });
  });

  it.each(["client", "server", "create"])("replaces the API server's strategy on an object made by %s", (how) => {
    const out = runFixture(`002-mysql.statefulset-mysql.${how}.mutate`, onDelete);
    expect(out.patched.spec.updateStrategy).toEqual({ type: "OnDelete" });
    const paths = out.patch!.map((op) => op.path);
    expect(paths.every((p) => p.startsWith("/spec/updateStrategy") || p.startsWith("/metadata/annotations"))).toBe(true);
  });

  it.each(["client", "server", "create"])("changes nothing out of the box on an object made by %s", (how) => {
    expect(runFixture(`002-mysql.statefulset-mysql.${how}.mutate`, only(id)).patch).toBeUndefined();
  });

  it("treats maxUnavailable 1 from the MaxUnavailableStatefulSet feature as the built-in default", () => {
    const f = admission("002-mysql.statefulset-mysql.create.mutate");
    f.object.spec.updateStrategy.rollingUpdate.maxUnavailable = 1;
    expect(run(f.kind, f.object, only(id)).patch).toBeUndefined();
    expect(run(f.kind, f.object, partitioned).patched.spec.updateStrategy).toEqual({
      type: "RollingUpdate",
      rollingUpdate: { partition: 2 },
    });
  });

  it("sets maxUnavailable when configured", () => {
    const out = run("StatefulSet", seed("002-mysql.yaml", "StatefulSet"), only(id, { maxUnavailable: "25%" }));
    expect(out.patched.spec.updateStrategy.rollingUpdate).toEqual({ partition: 0, maxUnavailable: "25%" });
  });

  it("never overwrites a strategy the user wrote", () => {
    const manifest = seed("002-mysql.yaml", "StatefulSet");
    manifest.spec.updateStrategy = { type: "RollingUpdate", rollingUpdate: { partition: 1 } };
    expect(run("StatefulSet", manifest, onDelete).patch).toBeUndefined();
    const f = admission("002-mysql.statefulset-mysql.server.mutate");
    f.object.metadata.managedFields[0].fieldsV1["f:spec"]["f:updateStrategy"] = { "f:type": {} };
    expect(run(f.kind, f.object, onDelete).patch).toBeUndefined();
    const c = admission("002-mysql.statefulset-mysql.client.mutate");
    const lastApplied = JSON.parse(c.object.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]);
    lastApplied.spec.updateStrategy = { type: "RollingUpdate" };
    c.object.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"] = JSON.stringify(lastApplied);
    expect(run(c.kind, c.object, onDelete).patch).toBeUndefined();
  });

  it("on UPDATE leaves a strategy the update did not change", () => {
    const f = admission("002-mysql.statefulset-mysql.update-scale.validate");
    expect(run(f.kind, f.object, onDelete, "UPDATE", f.oldObject).patch).toBeUndefined();
  });

  it("on UPDATE sets the strategy the API server filled in after kubectl apply dropped it, and is idempotent", () => {
    const f = admission("002-mysql.statefulset-mysql.update-scale.validate");
    f.oldObject!.spec.updateStrategy = { type: "OnDelete" };
    const out = run(f.kind, f.object, onDelete, "UPDATE", f.oldObject);
    expect(out.patched.spec.updateStrategy).toEqual({ type: "OnDelete" });
    expect(run(f.kind, out.patched, onDelete, "UPDATE", f.oldObject).patch).toBeUndefined();
  });

  it("rejects an invalid maxUnavailable in the policy", () => {
    expect(() => run("StatefulSet", seed("002-mysql.yaml", "StatefulSet"), only(id, { maxUnavailable: "150%" }))).toThrow(
      /maxUnavailable/,
    );
  });
});
