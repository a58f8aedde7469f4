/**
 * A zod issue's path becomes a FieldPath in one place (fieldPathOf), so every boundary that reports a schema's
 * complaint names the field as Kubernetes does, list items as `[0]`: an AdmissionReview that is not one, a cluster
 * List, a policy document and an object its kind's schema refuses.
 */
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { memoryClusterStore } from "../../src/cluster/memory-store.js";
import { syncInventory } from "../../src/cluster/ingest.js";
import { decodeObject } from "../../src/engine/decode.js";
import { describeIssues } from "../../src/k8s/admission.js";
import { FieldPath, fieldPathOf } from "../../src/k8s/field.js";
import { loadPolicy } from "../../src/policy/policy.js";

describe("fieldPathOf", () => {
  it("takes numbers for list indices and every other key for a field name", () => {
    expect(fieldPathOf(["spec", "containers", 0, "name"])).toEqual(FieldPath.root("spec", "containers").index(0).child("name"));
    expect(fieldPathOf(["spec", "containers", 0, "name"]).toString()).toBe("spec.containers[0].name");
    expect(fieldPathOf([]).toString()).toBe("<root>");
    expect(fieldPathOf(["a", Symbol("b")]).toString()).toBe("a.Symbol(b)");
  });
});

describe("a schema's complaint, wherever it is reported", () => {
  it("names a list item by its index in brackets", () => {
    const parsed = z.object({ items: z.array(z.object({ name: z.string() })) }).safeParse({ items: [{ name: "a" }, { name: 2 }] });
    expect(describeIssues(parsed.error!.issues)).toBe("items[1].name: Invalid input: expected string, received number");
  });

  it("in a cluster List", async () => {
    const result = await syncInventory(memoryClusterStore(), { apiVersion: "v1", kind: "List", items: [{ kind: "Service", metadata: { name: "" } }] });
    expect(result).toMatchObject({ ok: false, status: 400, error: expect.stringMatching(/^not a Kubernetes List: items\[0\]\.metadata\.name: /) });
  });

  it("in a policy document", () => {
    const state = loadPolicy("exemptions:\n  users: [ok, 3]\n");
    expect(state).toMatchObject({ ok: false, error: expect.stringContaining("exemptions.users[1]: ") });
  });

  it("in an object its kind's schema refuses, with the value found there", () => {
    const { problems } = decodeObject("StatefulSet", { metadata: { name: "web" }, spec: { template: { spec: { containers: [{ name: 7 }] } } } });
    expect(problems.map((p) => [p.error.path.toString(), p.error.value])).toContainEqual(["spec.template.spec.containers[0].name", 7]);
  });
});
