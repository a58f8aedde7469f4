/** The kind table answers what a kind's objects hold: their pod template and their claims. */
import { describe, expect, it } from "vitest";
import { claimsOf } from "../../src/k8s/claims.js";
import { podTemplateOf } from "../../src/k8s/kinds.js";
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
