/** The kind table answers what a kind's objects hold: their pod template and their claims. */
import { describe, expect, it } from "vitest";
import { claimsOf } from "../../src/k8s/claims.js";
import { kindOf, namespaceOr, podTemplateOf } from "../../src/k8s/kinds.js";
import { baseStatefulSet } from "../rules/helpers.js";

describe("podTemplateOf", () => {
  it("gives a StatefulSet's spec.template with its path, the object's own node so a default can change it", () => {
    const statefulSet = baseStatefulSet();
    const pod = podTemplateOf("StatefulSet", statefulSet);
    expect(pod.template).toBe(statefulSet.spec!.template);
    expect(pod.path.child("spec", "containers").index(0).toString()).toBe("spec.template.spec.containers[0]");
  });

  it("keeps the path of a template the object has not written yet", () => {
    const pod = podTemplateOf("StatefulSet", { spec: {} });
    expect(pod.template).toBeUndefined();
    expect(pod.path.toString()).toBe("spec.template");
  });

  it("gives nothing for kinds whose objects have no pod template", () => {
    expect(podTemplateOf("PersistentVolumeClaim", { spec: {} })).toBeUndefined();
    expect(podTemplateOf("PodDisruptionBudget", { spec: {} })).toBeUndefined();
  });
});

describe("claimsOf", () => {
  it("lists a StatefulSet's claim templates, a PVC itself, and nothing for a budget", () => {
    const statefulSet = baseStatefulSet();
    const templates = claimsOf({ kind: "StatefulSet", object: statefulSet });
    expect(templates.map((at) => [at.path.toString(), at.template])).toEqual(
      (statefulSet.spec!.volumeClaimTemplates ?? []).map((_, i) => [`spec.volumeClaimTemplates[${i}]`, true]),
    );
    expect(templates.length).toBeGreaterThan(0);
    const claim = { metadata: { name: "data" } };
    expect(claimsOf({ kind: "PersistentVolumeClaim", object: claim })).toEqual([{ claim, path: expect.anything(), template: false }]);
    expect(claimsOf({ kind: "PodDisruptionBudget", object: { spec: {} } })).toEqual([]);
  });
});

describe("kindOf", () => {
  it("reads the kind and how its apiVersion stands: served, another version of the group, or another Kubernetes group", () => {
    expect(kindOf({ apiVersion: "apps/v1", kind: "StatefulSet" })).toEqual({ kind: "StatefulSet", apiVersion: "served" });
    expect(kindOf({ apiVersion: "apps/v1beta1", kind: "StatefulSet" })).toEqual({ kind: "StatefulSet", apiVersion: "other version" });
    expect(kindOf({ apiVersion: "v1", kind: "StatefulSet" })).toEqual({ kind: "StatefulSet", apiVersion: "other group" });
    expect(kindOf({ kind: "StatefulSet" })).toEqual({ kind: "StatefulSet", apiVersion: "other group" });
    expect(kindOf({ apiVersion: "storage.k8s.io/v1", kind: "StorageClass" })).toEqual({ kind: "StorageClass", apiVersion: "served" });
    expect(kindOf({ apiVersion: "policy/v1beta1", kind: "PodDisruptionBudget" })).toEqual({
      kind: "PodDisruptionBudget",
      apiVersion: "other version",
    });
  });

  it("takes a custom resource of the same name for another kind, and knows no kind it does not handle", () => {
    expect(kindOf({ apiVersion: "apps.kruise.io/v1beta1", kind: "StatefulSet" })).toBeUndefined();
    expect(kindOf({ apiVersion: "v1", kind: "ConfigMap" })).toBeUndefined();
    expect(kindOf({ apiVersion: "v1", kind: "toString" })).toBeUndefined();
    expect(kindOf({ apiVersion: "v1" })).toBeUndefined();
  });
});

describe("namespaceOr", () => {
  it("keeps a namespace that is named, else takes the fallback, else default", () => {
    expect(namespaceOr("db")).toBe("db");
    expect(namespaceOr("", "ci")).toBe("ci");
    expect(namespaceOr(undefined)).toBe("default");
    expect(namespaceOr(7)).toBe("default");
  });
});
