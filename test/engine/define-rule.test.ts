/** Rules and defaults are typed by the kinds they declare; the engine alone decides which kinds they see. */
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { emptyClusterView } from "../../src/cluster/view.js";
import { set } from "../../src/defaults/change.js";
import { mutate } from "../../src/engine/mutate.js";
import { type DecodedObjects, type ScopePolicy, defineDefault, defineRule } from "../../src/engine/types.js";
import { validate } from "../../src/engine/validate.js";
import { FieldPath, invalid } from "../../src/k8s/field.js";
import type { PodDisruptionBudget } from "../../src/k8s/objects.js";
import { baseStatefulSet } from "../rules/helpers.js";

const seen: string[] = [];
const offline = emptyClusterView("no cluster in this test");

const replicasRule = defineRule({
  id: "test-replicas",
  summary: "s",
  rationale: "r",
  fix: "f",
  kinds: ["StatefulSet"],
  defaultAction: "deny",
  params: z.object({}),
  check({ kind, object }) {
    seen.push(kind);
    // `object` is a StatefulSet without any test of `kind`.
    const replicas: number | null | undefined = object.spec?.replicas;
    // The type checker holds these: the input is a StatefulSet's alone, so no guard is needed.
    const only: "StatefulSet" = kind;
    void only;
    return replicas === 0 ? [invalid(FieldPath.root("spec", "replicas"), 0, "zero")] : [];
  },
});

const budgetRule = defineRule({
  id: "test-budget",
  summary: "s",
  rationale: "r",
  fix: "f",
  kinds: ["PodDisruptionBudget"],
  defaultAction: "warn",
  params: z.object({}),
  check({ kind, object }) {
    seen.push(kind);
    const only: "PodDisruptionBudget" = kind;
    const budget: PodDisruptionBudget = object;
    void [only, budget];
    return [];
  },
});

const scaleDefault = defineDefault({
  id: "test-scale",
  summary: "s",
  kinds: ["StatefulSet"],
  operations: ["CREATE"],
  enabledByDefault: true,
  params: z.object({}),
  apply({ kind, object }) {
    seen.push(`default:${kind}`);
    const only: "StatefulSet" = kind;
    void only;
    if (!object.spec || object.spec.replicas != null) return [];
    return [set(FieldPath.root("spec", "replicas"), 1)];
  },
});

const scope: ScopePolicy = {
  rules: [
    { rule: replicasRule, action: "deny", params: {} },
    { rule: budgetRule, action: "warn", params: {} },
  ],
  defaults: [{ default: scaleDefault, enabled: true, params: {} }],
  overrideBuiltinDefaults: false,
  warnings: false,
  annotate: false,
};

const claim: DecodedObjects = {
  kind: "PersistentVolumeClaim",
  object: { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data" }, spec: {} },
  oldObject: undefined,
};

describe("defineRule and defineDefault", () => {
  it("runs a rule and a default only on the kinds they declare", async () => {
    seen.length = 0;
    const statefulSet = baseStatefulSet();
    statefulSet.spec!.replicas = 0;
    const sts: DecodedObjects = { kind: "StatefulSet", object: statefulSet, oldObject: undefined };
    const found = await validate(sts, "CREATE", "default", scope, emptyClusterView("no cluster in this test"));
    expect(found.denials.map((f) => f.ruleId)).toEqual(["test-replicas"]);
    await validate(claim, "CREATE", "default", scope, emptyClusterView("no cluster in this test"));
    mutate(claim, "CREATE", scope);
    expect(seen).toEqual(["StatefulSet"]);
  });
});
