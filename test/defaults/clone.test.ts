import { describe, expect, it } from "vitest";
import { cloneJson } from "../../src/engine/clone.js";

describe("cloneJson, the copy of each value a default sets", () => {
  it("copies deeply: changing the copy leaves the original as it was", () => {
    const original = JSON.parse('{"spec":{"template":{"spec":{"containers":[{"name":"nginx","ports":[{"containerPort":80}]}]}}}}');
    const copy = cloneJson(original);
    copy.spec.template.spec.containers[0].ports.push({ containerPort: 443 });
    copy.spec.template.spec.terminationGracePeriodSeconds = 30;
    expect(original).toEqual({ spec: { template: { spec: { containers: [{ name: "nginx", ports: [{ containerPort: 80 }] }] } } } });
    expect(copy.spec.template.spec.containers[0].ports).toHaveLength(2);
  });

  it("keeps a __proto__ key as data, the way JSON.parse made it, without touching any prototype", () => {
    const original = JSON.parse('{"metadata":{"labels":{"__proto__":{"polluted":"yes"},"app":"web"}}}');
    const copy = cloneJson(original);
    expect(Object.getPrototypeOf(copy.metadata.labels)).toBe(Object.prototype);
    expect(Object.keys(copy.metadata.labels)).toEqual(["__proto__", "app"]);
    expect(JSON.stringify(copy)).toBe(JSON.stringify(original));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("keeps primitives, nulls and empty containers as they are", () => {
    const original = { a: null, b: [], c: {}, d: 0, e: "", f: false, g: [null, 1.5, "x"] };
    expect(cloneJson(original)).toStrictEqual(original);
  });
});
