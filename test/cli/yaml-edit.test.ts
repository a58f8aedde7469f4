import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import type { FieldChange } from "../../src/engine/change.js";
import { FieldPath } from "../../src/k8s/field.js";
import { applyChanges } from "../../src/cli/yaml-edit.js";

const edited = (text: string, changes: FieldChange[], at: (string | number)[] = []): string => {
  const document = parseDocument(text);
  applyChanges(document, changes, at);
  return document.toString({ lineWidth: 0, indentSeq: false });
};
const set = (path: FieldPath, value: unknown): FieldChange => ({ path, value, by: "test" });

describe("applyChanges", () => {
  it("changes a scalar in place, keeping its comment and every other line", () => {
    const text = "# head\nspec:\n  replicas: 1 # how many\n  serviceName: web # the Service\n";
    expect(edited(text, [set(FieldPath.root("spec", "replicas"), 3)])).toBe(
      "# head\nspec:\n  replicas: 3 # how many\n  serviceName: web # the Service\n",
    );
  });

  it("creates missing parents as mappings, with map keys that hold dots and slashes", () => {
    const text = "spec:\n  template: {}\n";
    const path = FieldPath.root("spec", "template", "metadata", "labels").key("app.kubernetes.io/name");
    expect(edited(text, [set(path, "db")])).toBe("spec:\n  template: { metadata: { labels: { app.kubernetes.io/name: db } } }\n");
    expect(edited("spec: {}\n", [set(FieldPath.root("spec", "a", "b"), 1)])).toBe("spec: { a: { b: 1 } }\n");
    expect(edited("spec:\n  x: 1\n", [set(FieldPath.root("spec", "a", "b"), 1)])).toBe("spec:\n  x: 1\n  a:\n    b: 1\n");
  });

  it("writes an object into the mapping already there: kept keys keep their comments, others go", () => {
    const text = "updateStrategy:\n  type: RollingUpdate # the default\n  rollingUpdate:\n    partition: 3 # canary\n    maxUnavailable: 2\n";
    const value = { type: "RollingUpdate", rollingUpdate: { partition: 0 } };
    expect(edited(text, [set(FieldPath.root("updateStrategy"), value)])).toBe(
      "updateStrategy:\n  type: RollingUpdate # the default\n  rollingUpdate:\n    partition: 0 # canary\n",
    );
  });

  it("writes lists item by item and removes fields", () => {
    const text = "spec:\n  accessModes:\n  - ReadWriteOnce # first\n  - ReadOnlyMany\n  gone: 1\n";
    const changes = [set(FieldPath.root("spec", "accessModes"), ["ReadWriteMany"]), set(FieldPath.root("spec", "gone"), undefined)];
    expect(edited(text, changes)).toBe("spec:\n  accessModes:\n  - ReadWriteMany # first\n");
    expect(edited(text, [set(FieldPath.root("spec", "missing", "deeper"), undefined)])).toBe(text);
  });

  it("edits an item of a List where it sits, and a list item by index", () => {
    const text = "kind: List\nitems:\n- kind: PersistentVolumeClaim\n  spec: {}\n";
    expect(edited(text, [set(FieldPath.root("spec", "storageClassName"), "fast")], ["items", 0])).toBe(
      "kind: List\nitems:\n- kind: PersistentVolumeClaim\n  spec: { storageClassName: fast }\n",
    );
    const templates = "spec:\n  volumeClaimTemplates:\n  - metadata: {name: www}\n    spec: {}\n";
    expect(edited(templates, [set(FieldPath.root("spec", "volumeClaimTemplates").index(0).child("spec", "x"), 1)])).toBe(
      "spec:\n  volumeClaimTemplates:\n  - metadata: { name: www }\n    spec: { x: 1 }\n",
    );
  });

  it("edits a copy of an aliased node, leaving the anchor and its other aliases as they were", () => {
    const text = "a: &common\n  app: web\nb: *common\nc: *common\n";
    expect(edited(text, [set(FieldPath.root("b").key("tier"), "db")])).toBe(
      "a: &common\n  app: web\nb:\n  app: web\n  tier: db\nc: *common\n",
    );
  });
});
