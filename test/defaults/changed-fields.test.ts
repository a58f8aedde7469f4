import { describe, expect, it } from "vitest";
import type { FieldChange } from "../../src/engine/change.js";
import { changedFields, copyAlong, pathWithin, withChanges } from "../../src/engine/changed-fields.js";
import { FieldPath } from "../../src/k8s/field.js";

describe("changedFields", () => {
  it("ends each path at the highest node that differs", () => {
    const before = { a: { b: 1, c: [1, 2], d: { e: 1 } }, gone: 1, list: [{ x: 1 }, { x: 2 }] };
    const after = { a: { b: 2, c: [1, 2, 3], d: { e: 1 } }, added: { deep: 1 }, list: [{ x: 1 }, { x: 3 }] };
    expect(changedFields(before, after)).toEqual([["a", "b"], ["a", "c"], ["gone"], ["list", 1, "x"], ["added"]]);
    expect(changedFields(before, structuredClone(before))).toEqual([]);
  });

  it("renders paths as Kubernetes does", () => {
    const template = FieldPath.root("spec", "template");
    expect(String(pathWithin(template, ["metadata", "labels", "app.kubernetes.io/name"]))).toBe(
      "spec.template.metadata.labels[app.kubernetes.io/name]",
    );
    expect(String(pathWithin(template.child("metadata", "labels"), ["tier"]))).toBe("spec.template.metadata.labels[tier]");
    expect(String(pathWithin(FieldPath.root("spec"), ["volumeClaimTemplates", 0, "metadata", "name"]))).toBe(
      "spec.volumeClaimTemplates[0].metadata.name",
    );
  });
});

describe("withChanges", () => {
  it("applies changes to a copy that shares what they do not touch, creating missing parents", () => {
    const original = { spec: { a: 1, keep: { big: [1, 2, 3] }, labels: { x: "1" }, list: [1, 2, 3] } };
    const frozen = structuredClone(original);
    const value = { deep: true };
    const change = (path: FieldPath, v: unknown): FieldChange => ({ path, value: v, by: "test" });
    const next = withChanges(original, [
      change(FieldPath.root("spec", "a"), 2),
      change(FieldPath.root("spec", "labels").key("app.kubernetes.io/name"), "db"),
      change(FieldPath.root("spec", "labels").key("x"), undefined),
      change(FieldPath.root("spec", "list").index(1), undefined),
      change(FieldPath.root("spec", "missing", "parent"), value),
    ]) as any;
    expect(original).toEqual(frozen);
    expect(next).toEqual({
      spec: { a: 2, keep: { big: [1, 2, 3] }, labels: { "app.kubernetes.io/name": "db" }, list: [1, 3], missing: { parent: { deep: true } } },
    });
    expect(next.spec.keep).toBe(original.spec.keep);
    value.deep = false;
    expect(next.spec.missing.parent.deep).toBe(true);
  });
});

describe("copyAlong", () => {
  it("copies the containers on the way to each change, and nothing else", () => {
    const original = { spec: { template: { spec: { a: 1 } }, other: { b: 2 } } };
    const copy = copyAlong(original, [{ path: FieldPath.root("spec", "template", "spec", "a"), value: 2, by: "test" }]) as any;
    expect(copy).toEqual(original);
    expect(copy.spec.template.spec).not.toBe(original.spec.template.spec);
    expect(copy.spec.other).toBe(original.spec.other);
  });
});
