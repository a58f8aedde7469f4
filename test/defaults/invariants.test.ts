/**
 * No default yields an object the API server rejects: after each default the result is checked by the API server's
 * validation functions (src/k8s/validation, the same the parity rules report), and a default that causes an error the
 * input did not have is undone and reported.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { Change } from "../../src/engine/change.js";
import { mutate } from "../../src/engine/mutate.js";
import { set } from "../../src/defaults/change.js";
import { FieldPath } from "../../src/k8s/field.js";
import { defineDefault, type Operation, type DecodedObjects } from "../../src/engine/types.js";
import { apiServerErrors, type ValidationSubject } from "../../src/k8s/validation/index.js";
import type { ScopePolicy } from "../../src/engine/types.js";
import { only, run, seed } from "./helpers.js";

type Json = Record<string, any>;

const tierWeb = only("default-labels", { labels: { tier: "web" } });

function withSelector(matchExpressions: Json[]): Json {
  const sts = seed("002-mysql.yaml", "StatefulSet");
  sts.spec.selector = { matchLabels: { app: "mysql" }, matchExpressions };
  return sts;
}

const messages = (subject: Json, kind: ValidationSubject["kind"] = "StatefulSet", oldObject?: Json) =>
  apiServerErrors({ kind, object: subject, oldObject } as ValidationSubject).map((error) => `${error.path}: ${error.type}`);

describe("default-labels and the selector", () => {
  it.each([
    ["NotIn [web]", { key: "tier", operator: "NotIn", values: ["web"] }],
    ["DoesNotExist", { key: "tier", operator: "DoesNotExist" }],
  ])("tier %s: no label, a warning naming the default and the reason", (_, expression) => {
    const object = withSelector([expression]);
    const out = run("StatefulSet", object, tierWeb);
    expect(out.patch).toBeUndefined();
    expect(out.patched).toEqual(object);
    expect(out.changes).toEqual([]);
    expect(out.skipped).toEqual([
      'default-labels skipped: the API server would reject the result: spec.template.metadata.labels: Invalid value: {"app":"mysql","tier":"web"}: `selector` does not match template `labels`',
    ]);
  });

  it.each([
    ["NotIn [api]", { key: "tier", operator: "NotIn", values: ["api"] }],
    ["In [web, api] with the label already there", { key: "app", operator: "In", values: ["mysql"] }],
    ["Exists on another key", { key: "app", operator: "Exists" }],
    ["DoesNotExist on another key", { key: "zone", operator: "DoesNotExist" }],
  ])("tier %s: the label is added", (_, expression) => {
    const out = run("StatefulSet", withSelector([expression]), tierWeb);
    expect(out.skipped).toEqual([]);
    expect(out.patched.spec.template.metadata.labels).toEqual({ app: "mysql", tier: "web" });
  });

  it("a selector the input already failed does not stop the default (the API server reports it, not Stateward)", () => {
    const object = withSelector([{ key: "zone", operator: "In", values: ["a"] }]);
    const out = run("StatefulSet", object, tierWeb);
    expect(out.skipped).toEqual([]);
    expect(out.patched.spec.template.metadata.labels.tier).toBe("web");
  });

  it("skips the default as a whole: the claim templates get no label either, and the others still run", () => {
    const object = withSelector([{ key: "tier", operator: "DoesNotExist" }]);
    const both = only("default-labels", { labels: { tier: "web" } }, { "default-termination-grace": { enabled: true, seconds: 45 } });
    const out = run("StatefulSet", object, both);
    expect(out.patched.spec.volumeClaimTemplates[0].metadata.labels).toBeUndefined();
    expect(out.patched.spec.template.spec.terminationGracePeriodSeconds).toBe(45);
    expect(out.applied).toEqual(["default-termination-grace"]);
    expect(out.skipped).toHaveLength(1);
  });
});

/** A policy with one hand-made default, to break each invariant on purpose. */
function policyWith(changes: (object: Json) => Change[], operations: Operation[] = ["CREATE", "UPDATE"]): ScopePolicy {
  const broken = defineDefault({
    id: "test-breaker",
    summary: "breaks things",
    kinds: ["StatefulSet", "PersistentVolumeClaim"],
    operations,
    enabledByDefault: true,
    params: z.object({}),
    apply({ object }) {
      return changes(object as Json);
    },
  });
  return { rules: [], defaults: [{ default: broken, enabled: true, params: {} }], overrideBuiltinDefaults: true, warnings: true, annotate: true };
}

describe("every invariant undoes a default that breaks it", () => {
  const sts = () => seed("002-mysql.yaml", "StatefulSet");
  const spec = (...names: string[]) => FieldPath.root("spec", ...names);
  const template = spec("volumeClaimTemplates").index(0);
  const cases: [string, (o: Json) => Change[], RegExp][] = [
    ["rollingUpdate without RollingUpdate", () => [set(spec("updateStrategy"), { type: "OnDelete", rollingUpdate: { partition: 0 } })], /spec\.updateStrategy\.rollingUpdate: Invalid value: .*only allowed for updateStrategy 'RollingUpdate'/],
    ["a claim template name that is no DNS label", () => [set(template.child("metadata", "name"), "Data_1")], /spec\.volumeClaimTemplates\[0\]\.metadata\.name: Invalid value: "Data_1"/],
    ["two claim templates of one name", (o) => [set(spec("volumeClaimTemplates"), [...o.spec.volumeClaimTemplates, o.spec.volumeClaimTemplates[0]])], /spec\.volumeClaimTemplates\[1\]\.metadata\.name: Duplicate value/],
    ["a claim template label key with two /", () => [set(template.child("metadata", "labels"), { "a/b/c": "x" })], /spec\.volumeClaimTemplates\[0\]\.metadata\.labels: Invalid value: "a\/b\/c"/],
    ["a template label value of 64 characters", () => [set(spec("template", "metadata", "labels").key("team"), "x".repeat(64))], /must be no more than 63 characters/],
    ["a selector that no longer selects", () => [set(spec("template", "metadata", "labels").key("app"), "other")], /`selector` does not match template `labels`/],
  ];

  it.each(cases)("%s", (_, change, reason) => {
    const object = sts();
    const result = mutate({ kind: "StatefulSet", object, oldObject: undefined } as DecodedObjects, "CREATE", policyWith(change));
    expect(result.patch).toBeUndefined();
    expect(result.mutated).toBe(object);
    expect(result.skipped).toHaveLength(1);
    expect(result.skipped[0]).toMatch(/^test-breaker skipped: the API server would reject the result: /);
    expect(result.skipped[0]).toMatch(reason);
  });

  it("an immutable field filled in on UPDATE", () => {
    const object = sts();
    delete object.spec.podManagementPolicy;
    const oldObject = structuredClone(object);
    object.spec.replicas = 5;
    const fill = policyWith(() => [set(FieldPath.root("spec", "podManagementPolicy"), "Parallel")]);
    const result = mutate({ kind: "StatefulSet", object, oldObject } as DecodedObjects, "UPDATE", fill);
    expect(result.patch).toBeUndefined();
    expect(result.skipped).toEqual([
      "test-breaker skipped: the API server would reject the result: spec.podManagementPolicy: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ]);
  });

  it("a PVC's class changed on UPDATE", () => {
    const claim = seed("002-nfs.yaml", "PersistentVolumeClaim");
    const result = mutate(
      { kind: "PersistentVolumeClaim", object: claim, oldObject: structuredClone(claim) } as DecodedObjects,
      "UPDATE",
      policyWith(() => [set(FieldPath.root("spec", "storageClassName"), "other")]),
    );
    expect(result.skipped).toHaveLength(1);
    expect(result.patch).toBeUndefined();
  });

  it("a PVC's class set on UPDATE where there was none is kept: the API server allows it (it once was undone)", () => {
    const claim = seed("002-nfs.yaml", "PersistentVolumeClaim");
    delete claim.spec.storageClassName;
    const object = structuredClone(claim);
    object.metadata.labels = { app: "nfs" };
    const result = mutate(
      { kind: "PersistentVolumeClaim", object, oldObject: claim } as DecodedObjects,
      "UPDATE",
      policyWith(() => [set(FieldPath.root("spec", "storageClassName"), "standard")]),
    );
    expect(result.skipped).toEqual([]);
    expect((result.mutated as Json).spec.storageClassName).toBe("standard");
  });

  it("a StatefulSet's revisionHistoryLimit changed on UPDATE is undone: the API server forbids it (it once was kept)", () => {
    const object = sts();
    delete object.spec.revisionHistoryLimit;
    const oldObject = structuredClone(object);
    object.spec.replicas = 5;
    const result = mutate({ kind: "StatefulSet", object, oldObject } as DecodedObjects, "UPDATE", policyWith(() => [set(FieldPath.root("spec", "revisionHistoryLimit"), 3)]));
    expect(result.patch).toBeUndefined();
    expect(result.skipped[0]).toMatch(/^test-breaker skipped: the API server would reject the result: spec\.revisionHistoryLimit: Forbidden: /);
  });

  it("a value the API server refuses on any write, which the guard once did not know (restartPolicy, podManagementPolicy)", () => {
    for (const change of [set(FieldPath.root("spec", "template", "spec", "restartPolicy"), "Never"), set(FieldPath.root("spec", "podManagementPolicy"), "Sometimes")]) {
      const object = sts();
      const result = mutate({ kind: "StatefulSet", object, oldObject: undefined } as DecodedObjects, "CREATE", policyWith(() => [change]));
      expect(result.patch).toBeUndefined();
      expect(result.skipped[0]).toMatch(/^test-breaker skipped: the API server would reject the result: spec\.(template\.spec\.restartPolicy|podManagementPolicy)/);
    }
  });

  it("a field the update left as it was, even where no invariant speaks", () => {
    const object = sts();
    const oldObject = structuredClone(object);
    object.spec.replicas = 5;
    const result = mutate({ kind: "StatefulSet", object, oldObject } as DecodedObjects, "UPDATE", policyWith(() => [
      set(FieldPath.root("spec", "minReadySeconds"), 0),
      set(FieldPath.root("spec", "template", "spec", "containers").index(0).child("image"), "mysql:8"),
    ]));
    expect(result.patch).toBeUndefined();
    expect(result.skipped).toEqual([
      "test-breaker skipped: it would change spec.template.spec.containers[0].image, which this update left as it was",
    ]);
  });

  it("keeps a change that breaks nothing new, even on an object that was invalid already", () => {
    const object = sts();
    object.spec.volumeClaimTemplates[0].metadata.name = "Bad_Name";
    const result = mutate({ kind: "StatefulSet", object, oldObject: undefined } as DecodedObjects, "CREATE", policyWith(() => [set(FieldPath.root("spec", "minReadySeconds"), 5)]));
    expect(result.skipped).toEqual([]);
    expect((result.mutated as Json).spec.minReadySeconds).toBe(5);
  });
});

describe("apiServerErrors", () => {
  it("finds nothing wrong with a valid StatefulSet", () => {
    expect(messages(seed("002-mysql.yaml", "StatefulSet"))).toEqual([]);
  });

  it("reads matchExpressions as the API server does", () => {
    const labels = { app: "mysql", tier: "web" };
    const check = (expression: Json) => {
      const sts = withSelector([expression]);
      sts.spec.template.metadata.labels = labels;
      return messages(sts);
    };
    const mismatch = ["spec.template.metadata.labels: Invalid value"];
    expect(check({ key: "tier", operator: "In", values: ["web"] })).toEqual([]);
    expect(check({ key: "tier", operator: "In", values: ["api"] })).toEqual(mismatch);
    expect(check({ key: "tier", operator: "NotIn", values: ["web"] })).toEqual(mismatch);
    expect(check({ key: "tier", operator: "NotIn", values: ["api"] })).toEqual([]);
    expect(check({ key: "tier", operator: "Exists" })).toEqual([]);
    expect(check({ key: "zone", operator: "Exists" })).toEqual(mismatch);
    expect(check({ key: "tier", operator: "DoesNotExist" })).toEqual(mismatch);
    expect(check({ key: "zone", operator: "DoesNotExist" })).toEqual([]);
  });

  it("on UPDATE names each immutable spec field that changed, and none of the mutable ones", () => {
    const before = seed("002-mysql.yaml", "StatefulSet");
    const after = structuredClone(before);
    Object.assign(after.spec, { replicas: 7, serviceName: "x", podManagementPolicy: "Parallel", minReadySeconds: 3 });
    after.spec.template.spec.containers[0].image = "mysql:8";
    expect(messages(after, "StatefulSet", before)).toEqual(["spec.serviceName: Forbidden", "spec.podManagementPolicy: Forbidden"]);
  });
});
