import { describe, expect, it } from "vitest";
import { changedFields, copyField, fieldPathOf, withFields } from "../../src/engine/changed-fields.js";
import { cloneJson } from "../../src/engine/clone.js";

describe("changedFields", () => {
  it("ends each path at the highest node that differs", () => {
    const before = { a: { b: 1, c: [1, 2], d: { e: 1 } }, gone: 1, list: [{ x: 1 }, { x: 2 }] };
    const after = { a: { b: 2, c: [1, 2, 3], d: { e: 1 } }, added: { deep: 1 }, list: [{ x: 1 }, { x: 3 }] };
    expect(changedFields(before, after)).toEqual([["a", "b"], ["a", "c"], ["gone"], ["list", 1, "x"], ["added"]]);
    expect(changedFields(before, structuredClone(before))).toEqual([]);
  });

  it("renders paths as Kubernetes does", () => {
    expect(String(fieldPathOf(["spec", "template", "metadata", "labels", "app.kubernetes.io/name"]))).toBe(
      "spec.template.metadata.labels[app.kubernetes.io/name]",
    );
    expect(String(fieldPathOf(["spec", "volumeClaimTemplates", 0, "metadata", "name"]))).toBe("spec.volumeClaimTemplates[0].metadata.name");
  });
});

describe("withFields and copyField", () => {
  it("carry values across without touching the original or sharing with the source", () => {
    const original = { spec: { a: 1, keep: { big: [1, 2, 3] }, labels: { x: "1" } } };
    const frozen = structuredClone(original);
    const source = cloneJson(original) as any;
    source.spec.a = 2;
    source.spec.labels.y = "2";
    delete source.spec.labels.x;
    const fields = changedFields(original, source);
    const owned = new Set<unknown>();
    const next = withFields(original, source, fields, owned, cloneJson) as any;
    expect(original).toEqual(frozen);
    expect(next).toEqual(source);
    expect(next.spec.keep).toBe(original.spec.keep);
    source.spec.labels.y = "changed later";
    expect(next.spec.labels.y).toBe("2");
    // Undoing: the source takes back the values of `original` at the same fields.
    for (const field of fields) copyField(original, source, field, cloneJson);
    expect(source).toEqual(frozen);
  });
});
