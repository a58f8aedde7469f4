import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { FieldChange } from "../../src/engine/change.js";
import { NotSpliceable, spliceChanges } from "../../src/cli/yaml-splice.js";
import { FieldPath } from "../../src/k8s/field.js";

const set = (path: FieldPath, value: unknown): FieldChange => ({ path, value, by: "test" });
const splice = (text: string, ...changes: FieldChange[]) => spliceChanges(text, { document: 0, at: [] }, changes);

describe("spliceChanges", () => {
  it("replaces a scalar in its own bytes, keeping its quotes, its comment and the spacing before it", () => {
    const text = 'spec:\n    replicas:   1   # how many\n    serviceName: "web" # quoted\n    image: \'a\'\n';
    expect(splice(text, set(FieldPath.root("spec", "replicas"), 3), set(FieldPath.root("spec", "serviceName"), "db"), set(FieldPath.root("spec", "image"), "it's"))).toBe(
      "spec:\n    replicas:   3   # how many\n    serviceName: \"db\" # quoted\n    image: 'it''s'\n",
    );
  });

  it("adds a missing field at the end of its mapping, in the file's indentation and list style", () => {
    const text = "# head\nspec:\n    template:\n        spec: {}\n    # trailing comment\nkind: X\n";
    expect(splice(text, set(FieldPath.root("spec", "selector"), { matchLabels: { app: "web" } }))).toBe(
      "# head\nspec:\n    template:\n        spec: {}\n    selector:\n        matchLabels:\n            app: web\n    # trailing comment\nkind: X\n",
    );
    const lists = "spec:\n  containers:\n  - name: a\n";
    expect(splice(lists, set(FieldPath.root("spec", "ports"), [{ port: 1 }]))).toBe("spec:\n  containers:\n  - name: a\n  ports:\n  - port: 1\n");
  });

  it("adds an entry to a flow collection before its closing bracket, and an item at the end of a block list", () => {
    expect(splice("metadata: {name: web}   # c\n", set(FieldPath.root("metadata", "labels"), { app: "web" }))).toBe("metadata: {name: web, labels: {app: web}}   # c\n");
    expect(splice("modes: [ ReadWriteOnce ]\n", set(FieldPath.root("modes").index(1), "ReadOnlyMany"))).toBe("modes: [ ReadWriteOnce, ReadOnlyMany ]\n");
    expect(splice("l:\n  - a # one\nm: 1\n", set(FieldPath.root("l"), ["a", "b"]))).toBe("l:\n  - a # one\n  - b\nm: 1\n");
  });

  it("removes a field written on lines of its own, and writes an object field by field", () => {
    const text = "s:\n  type: RollingUpdate # kept\n  rollingUpdate:\n    partition: 3\n  gone: 1\n";
    expect(splice(text, set(FieldPath.root("s"), { type: "RollingUpdate", rollingUpdate: { partition: 0 } }))).toBe(
      "s:\n  type: RollingUpdate # kept\n  rollingUpdate:\n    partition: 0\n",
    );
  });

  it("leaves the other documents and a List's other items alone", () => {
    const text = "a: 1\n---\nitems:\n- x: 1 # first\n- x: 2 # second\n";
    expect(spliceChanges(text, { document: 1, at: ["items", 1] }, [set(FieldPath.root("x"), 5)])).toBe("a: 1\n---\nitems:\n- x: 1 # first\n- x: 5 # second\n");
  });

  it("throws NotSpliceable where the edit would rewrite other lines: a scalar becoming a mapping, a shrinking list", () => {
    expect(() => splice("a: 1\n", set(FieldPath.root("a", "b"), 1))).toThrow(NotSpliceable);
    expect(() => splice("l: [a, b]\n", set(FieldPath.root("l"), ["b"]))).toThrow(NotSpliceable);
    expect(parse(splice("a: 1\n", set(FieldPath.root("b"), "x: y")))).toEqual({ a: 1, b: "x: y" });
  });
});
