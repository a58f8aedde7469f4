import { applyPatch } from "rfc6902";
import { describe, expect, it } from "vitest";
import { type FieldChange, describeChange, pointerOf, stepsOf } from "../../src/engine/change.js";
import { withChanges } from "../../src/engine/changed-fields.js";
import { patchOf } from "../../src/engine/patch.js";
import { FieldPath } from "../../src/k8s/field.js";

const change = (path: FieldPath, value: unknown): FieldChange => ({ path, value, by: "test" });
const annotations = FieldPath.root("metadata", "annotations");

/** The patch of `changes` on `original`, checked the way the engine checks it. */
function patched(original: Record<string, unknown>, changes: FieldChange[]) {
  const mutated = withChanges(original, changes);
  const patch = patchOf(original, mutated, changes);
  const copy = structuredClone(original);
  expect(applyPatch(copy, patch).every((e) => e === null)).toBe(true);
  expect(copy).toEqual(mutated);
  return patch;
}

describe("pointerOf", () => {
  it("writes RFC 6901 pointers from the path's steps, escaping ~ and /", () => {
    expect(pointerOf(stepsOf(annotations.key("a~b/c")))).toBe("/metadata/annotations/a~0b~1c");
    expect(pointerOf(stepsOf(FieldPath.root("spec", "volumeClaimTemplates").index(0).child("spec")))).toBe("/spec/volumeClaimTemplates/0/spec");
    expect(pointerOf([])).toBe("");
  });
});

describe("patchOf", () => {
  it("adds a key under a missing parent as the parent, holding every change made under it", () => {
    const patch = patched({ metadata: { name: "web" } }, [change(annotations.key("a/b"), "1"), change(annotations.key("c"), "2")]);
    expect(patch).toEqual([{ op: "add", path: "/metadata/annotations", value: { "a/b": "1", c: "2" } }]);
  });

  it("replaces and removes what exists, and leaves out a change undone by a later one", () => {
    const original = { spec: { replicas: 1, gone: true, keep: "x" } };
    const patch = patched(original, [
      change(FieldPath.root("spec", "replicas"), 3),
      change(FieldPath.root("spec", "gone"), undefined),
      change(FieldPath.root("spec", "keep"), "y"),
      change(FieldPath.root("spec", "keep"), "x"),
    ]);
    expect(patch).toEqual([
      { op: "replace", path: "/spec/replicas", value: 3 },
      { op: "remove", path: "/spec/gone" },
    ]);
  });

  it("writes a field once when a later change sets its parent", () => {
    const patch = patched({ spec: { strategy: { type: "A" } } }, [
      change(FieldPath.root("spec", "strategy", "type"), "B"),
      change(FieldPath.root("spec", "strategy"), { type: "C", extra: 1 }),
    ]);
    expect(patch).toEqual([{ op: "replace", path: "/spec/strategy", value: { type: "C", extra: 1 } }]);
  });

  it("replaces a null in the way of a new key", () => {
    const patch = patched({ metadata: { labels: null } }, [change(FieldPath.root("metadata", "labels").key("app"), "web")]);
    expect(patch).toEqual([{ op: "replace", path: "/metadata/labels", value: { app: "web" } }]);
  });
});

describe("describeChange", () => {
  it("renders a change where it is shown", () => {
    expect(describeChange(change(FieldPath.root("spec", "podManagementPolicy"), "Parallel"))).toBe(
      'set spec.podManagementPolicy to "Parallel" [test]',
    );
    expect(describeChange(change(annotations.key("x"), undefined))).toBe("remove metadata.annotations[x] [test]");
  });
});
