import { describe, expect, it } from "vitest";
import { locate } from "../../src/cli/locate.js";
import { readManifests } from "../../src/cli/load.js";
import { FieldPath } from "../../src/k8s/field.js";

const text = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
  labels:
    "example.com/a]b.c": x
    80: port
spec:
  serviceName:
    web
  volumeClaimTemplates:
    - metadata:
        name: www
`;

function manifest() {
  const { written, line } = readManifests("web.yaml", text, []).manifests[0]!;
  return { locate: (path: FieldPath) => locate(written, line, path) };
}

describe("locate", () => {
  it("walks names, indexes and map keys to the key's line", () => {
    const at = manifest();
    expect(at.locate(FieldPath.root("spec", "volumeClaimTemplates").index(0).child("metadata", "name"))).toBe(13);
    // The key's line, not the value's.
    expect(at.locate(FieldPath.root("spec", "serviceName"))).toBe(9);
  });

  it("finds a map key holding dots and brackets, which a rendered path cannot tell apart", () => {
    const at = manifest();
    expect(at.locate(FieldPath.root("metadata", "labels").key("example.com/a]b.c"))).toBe(6);
    expect(at.locate(FieldPath.root("metadata", "labels").key("80"))).toBe(7);
  });

  it("stops at the deepest field that is written", () => {
    const at = manifest();
    expect(at.locate(FieldPath.root("spec", "volumeClaimTemplates").index(0).child("spec", "storageClassName"))).toBe(12);
    expect(at.locate(FieldPath.root("spec", "volumeClaimTemplates").index(3))).toBe(11);
    expect(at.locate(FieldPath.root())).toBe(1);
  });
});

describe("FieldPath", () => {
  it("keeps its segments and renders them only on demand", () => {
    const path = FieldPath.root("metadata", "labels").key("app.kubernetes.io/name");
    expect(path.segments).toEqual([
      { type: "name", name: "metadata" },
      { type: "name", name: "labels" },
      { type: "key", key: "app.kubernetes.io/name" },
    ]);
    expect(path.toString()).toBe("metadata.labels[app.kubernetes.io/name]");
    expect(FieldPath.root().child("spec").index(2).toString()).toBe("spec[2]");
    expect(FieldPath.root().toString()).toBe("<root>");
  });
});
