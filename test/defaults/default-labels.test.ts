import { applyPatch } from "rfc6902";
import { describe, expect, it } from "vitest";
import { admission, only, roundTrip, run, runFixture, seed } from "./helpers.js";

const id = "default-labels";
const labels = { "app.kubernetes.io/part-of": "shop", team: "storage" };
const policy = only(id, { labels });

describe(id, () => {
  it("does nothing until a policy lists labels", () => {
    expect(run("StatefulSet", seed("002-mysql.yaml", "StatefulSet"), only(id)).patch).toBeUndefined();
  });

  it("adds the labels to the pod template and every claim template of a raw manifest", () => {
    const out = run("StatefulSet", seed("002-mysql.yaml", "StatefulSet"), policy);
    expect(out.patched.spec.template.metadata.labels).toEqual({ app: "mysql", ...labels });
    expect(out.patched.spec.volumeClaimTemplates[0].metadata.labels).toEqual(labels);
    expect(out.described).toEqual([
      `set spec.template.metadata.labels[app.kubernetes.io/part-of] to "shop" [${id}]`,
      `set spec.template.metadata.labels[team] to "storage" [${id}]`,
      `set spec.volumeClaimTemplates[0].metadata.labels[app.kubernetes.io/part-of] to "shop" [${id}]`,
      `set spec.volumeClaimTemplates[0].metadata.labels[team] to "storage" [${id}]`,
    ]);
    expect(out.patch).toContainEqual({ op: "add", path: "/spec/template/metadata/labels/app.kubernetes.io~1part-of", value: "shop" });
  });

  it.each(["client", "server", "create"])("adds them to an object made by %s", (how) => {
    const out = runFixture(`003-backend.statefulset-backend.${how}.mutate`, policy);
    expect(out.patched.spec.template.metadata.labels).toEqual({ app: "backend", ...labels });
    expect(out.patched.spec.volumeClaimTemplates[0].metadata.labels).toEqual(labels);
  });

  it.each(["client", "server", "create"])("never overwrites a label the object has (%s)", (how) => {
    const out = runFixture(`003-backend.statefulset-backend.${how}.mutate`, only(id, { labels: { app: "other" } }));
    expect(out.patched.spec.template.metadata.labels).toEqual({ app: "backend" });
    expect(out.patched.spec.volumeClaimTemplates[0].metadata.labels).toEqual({ app: "other" });
    expect(out.described).toEqual([`set spec.volumeClaimTemplates[0].metadata.labels[app] to "other" [${id}]`]);
  });

  it("escapes keys with / so that the decoded patch applies to exactly the right key", () => {
    const key = "example.com/a-b";
    const manifest = seed("002-mysql.yaml", "StatefulSet");
    manifest.spec.template.metadata.labels["example.com~1a-b"] = "kept";
    const out = run("StatefulSet", manifest, only(id, { labels: { [key]: "v" } }));
    const patch = roundTrip(out.patch!);
    expect(patch).toContainEqual({ op: "add", path: "/spec/template/metadata/labels/example.com~1a-b", value: "v" });
    const target = structuredClone(manifest);
    expect(applyPatch(target, patch).every((e) => e === null)).toBe(true);
    expect(target.spec.template.metadata.labels).toEqual({ app: "mysql", "example.com~1a-b": "kept", [key]: "v" });
    expect(target.spec.volumeClaimTemplates[0].metadata.labels).toEqual({ [key]: "v" });
  });

  it.each([
    ["a key with ~", { "example.com/a~b": "v" }, /label key "example.com\/a~b": name part must consist of/],
    ["a key with two /", { "a/b/c": "v" }, /label key "a\/b\/c"/],
    ["an empty prefix", { "/name": "v" }, /prefix part must be non-empty/],
    ["a value with ü", { team: "ü" }, /label value "ü": a label value must be empty, or it must consist of/],
    ["a value of 64 characters", { team: "v".repeat(64) }, /must be no more than 63 characters/],
  ])("rejects a policy with %s, as the API server would reject the label", (_, labels, message) => {
    expect(() => run("StatefulSet", seed("002-mysql.yaml", "StatefulSet"), only(id, { labels }))).toThrow(message);
  });

  it("does not run on UPDATE: a new pod-template label would roll every pod", () => {
    const f = admission("002-mysql.statefulset-mysql.update-scale.validate");
    expect(run(f.kind, f.object, policy, "UPDATE", f.oldObject).patch).toBeUndefined();
  });

  it("is idempotent", () => {
    const out = runFixture("002-mysql.statefulset-mysql.server.mutate", policy);
    expect(run("StatefulSet", out.patched, policy).patch).toBeUndefined();
  });
});
