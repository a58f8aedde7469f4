/**
 * Property tests over generated StatefulSets, policies and update sequences replayed through the model API server
 * (create then patch then apply; create then edit; server-side apply by two managers; a controller's update):
 * - a field the update left as it was is never changed by /mutate;
 * - the mutated object passes the API server's validation whenever the input did;
 * - a second pass over the result yields no patch.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { changedFields, valueAt } from "../../src/engine/changed-fields.js";
import { defaultedAnnotation } from "../../src/engine/mutate.js";
import { semanticEqual } from "../../src/k8s/semantic.js";
import { apiServerErrors, type ValidationSubject } from "../../src/k8s/validation/index.js";
import type { PolicyDocument } from "../../src/policy/policy.js";
import { clientSideApply, create, patch, serverSideApply, type Step, update } from "./apiserver.js";
import { run } from "./helpers.js";

type Json = Record<string, any>;

const numRuns = Number(process.env.PROPERTY_RUNS ?? 200);
// A fixed seed keeps CI reproducible; a campaign varies it (fast-check prints the seed of any failure).
const seed = Number(process.env.STATEWARD_PROPERTY_SEED ?? 20_261_201);

const grace = fc.constantFrom(0, 10, 30, 45, 120);
const strategy = fc.oneof(
  fc.constant({ type: "OnDelete" }),
  fc.record({ type: fc.constant("RollingUpdate"), rollingUpdate: fc.record({ partition: fc.nat(3) }) }),
  fc.constant({ type: "RollingUpdate" }),
);
const retention = fc.record(
  { whenDeleted: fc.constantFrom("Retain", "Delete"), whenScaled: fc.constantFrom("Retain", "Delete") },
  { requiredKeys: [] },
);
const tierExpression = fc.oneof(
  fc.record({ key: fc.constant("tier"), operator: fc.constantFrom("In", "NotIn"), values: fc.subarray(["web", "api"], { minLength: 1 }) }),
  fc.record({ key: fc.constantFrom("tier", "zone"), operator: fc.constantFrom("Exists", "DoesNotExist") }),
);

/** A manifest as its owner keeps it: the fields the defaults manage are there or not. */
const manifest = fc
  .record(
    {
      grace: fc.option(grace, { nil: undefined }),
      updateStrategy: fc.option(strategy, { nil: undefined }),
      retention: fc.option(retention, { nil: undefined }),
      podManagementPolicy: fc.option(fc.constantFrom("OrderedReady", "Parallel"), { nil: undefined }),
      tier: fc.option(fc.constantFrom("web", "api"), { nil: undefined }),
      expressions: fc.array(tierExpression, { maxLength: 2 }),
      claims: fc.subarray(["data", "logs"]),
      claimClass: fc.option(fc.constantFrom("fast", "standard"), { nil: undefined }),
    },
    { requiredKeys: [] },
  )
  .map((m): Json => {
    const labels: Json = { app: "web", ...(m.tier ? { tier: m.tier } : {}) };
    const spec: Json = {
      selector: { matchLabels: { app: "web" }, ...(m.expressions?.length ? { matchExpressions: m.expressions } : {}) },
      serviceName: "web",
      replicas: 2,
      template: {
        metadata: { labels },
        spec: { containers: [{ name: "web", image: "nginx:1.27" }], ...(m.grace === undefined ? {} : { terminationGracePeriodSeconds: m.grace }) },
      },
      volumeClaimTemplates: (m.claims ?? []).map((name) => ({
        metadata: { name },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, ...(m.claimClass ? { storageClassName: m.claimClass } : {}) },
      })),
    };
    if (m.updateStrategy) spec.updateStrategy = m.updateStrategy;
    if (m.retention) spec.persistentVolumeClaimRetentionPolicy = m.retention;
    if (m.podManagementPolicy) spec.podManagementPolicy = m.podManagementPolicy;
    return { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "web", namespace: "default" }, spec };
  });

const policy: fc.Arbitrary<PolicyDocument> = fc
  .record(
    {
      overrideBuiltinDefaults: fc.boolean(),
      annotate: fc.boolean(),
      "default-termination-grace": fc.record({ enabled: fc.boolean(), seconds: fc.constantFrom(0, 30, 45, 60) }, { requiredKeys: [] }),
      "default-update-strategy": fc.record(
        { enabled: fc.boolean(), type: fc.constantFrom("RollingUpdate", "OnDelete"), partition: fc.nat(2) },
        { requiredKeys: [] },
      ),
      "default-pod-management-policy": fc.record({ enabled: fc.boolean(), podManagementPolicy: fc.constantFrom("OrderedReady", "Parallel") }, { requiredKeys: [] }),
      "default-retention-policy": fc.record(
        { enabled: fc.boolean(), whenDeleted: fc.constantFrom("Retain", "Delete"), whenScaled: fc.constantFrom("Retain", "Delete") },
        { requiredKeys: [] },
      ),
      "default-storage-class": fc.record({ enabled: fc.boolean(), storageClassName: fc.constantFrom("fast", "gold", null) }, { requiredKeys: [] }),
      "default-labels": fc.record(
        { enabled: fc.boolean(), labels: fc.dictionary(fc.constantFrom("tier", "zone", "team"), fc.constantFrom("web", "api", "db"), { maxKeys: 2 }) },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: [] },
  )
  .map((defaults) => ({ defaults }) as PolicyDocument);

/** What `kubectl patch`, `kubectl rollout restart` or `kubectl scale` send. */
const patchBody = fc.oneof(
  fc.constant({ spec: { updateStrategy: { type: "OnDelete", rollingUpdate: null } } }),
  fc.nat(3).map((partition) => ({ spec: { updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition } } } })),
  grace.map((seconds) => ({ spec: { template: { spec: { terminationGracePeriodSeconds: seconds } } } })),
  fc.constant({ spec: { template: { spec: { terminationGracePeriodSeconds: null } } } }),
  retention.map((policy) => ({ spec: { persistentVolumeClaimRetentionPolicy: policy } })),
  fc.constant({ spec: { persistentVolumeClaimRetentionPolicy: null } }),
  fc.nat(5).map((replicas) => ({ spec: { replicas } })),
  fc.constant({ spec: { template: { metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": "2026-12-01T10:00:00Z" } } } } }),
);

/** How the owner changes the manifest before applying it again. */
const manifestEdit = fc.record(
  {
    drop: fc.subarray(["grace", "updateStrategy", "retention"]),
    image: fc.boolean(),
    replicas: fc.option(fc.nat(5), { nil: undefined }),
  },
  { requiredKeys: [] },
);

function edited(base: Json, edit: { drop?: string[]; image?: boolean; replicas?: number }): Json {
  const out = structuredClone(base);
  for (const field of edit.drop ?? []) {
    if (field === "grace") delete out.spec.template.spec.terminationGracePeriodSeconds;
    if (field === "updateStrategy") delete out.spec.updateStrategy;
    if (field === "retention") delete out.spec.persistentVolumeClaimRetentionPolicy;
  }
  if (edit.image) out.spec.template.spec.containers[0].image = "nginx:1.28";
  if (edit.replicas !== undefined) out.spec.replicas = edit.replicas;
  return out;
}

/** What `kubectl edit` or a controller changes in the whole object it sends back. */
const objectChange = fc.oneof(
  grace.map((seconds) => (o: Json) => (o.spec.template.spec.terminationGracePeriodSeconds = seconds)),
  fc.constant((o: Json) => delete o.spec.template.spec.terminationGracePeriodSeconds),
  strategy.map((s) => (o: Json) => (o.spec.updateStrategy = structuredClone(s))),
  fc.constant((o: Json) => delete o.spec.updateStrategy),
  retention.map((r) => (o: Json) => (o.spec.persistentVolumeClaimRetentionPolicy = r)),
  fc.nat(5).map((replicas) => (o: Json) => (o.spec.replicas = replicas)),
  fc.constant((o: Json) => ((o.metadata.annotations ??= {})["example.com/observed"] = "yes")),
);

/** The next write, made from the stored object and the owner's first manifest. */
type Next = (live: Json, base: Json) => Step;

/** Each sequence creates the object from the manifest, then writes its steps, each from the result of the last. */
const sequence: fc.Arbitrary<{ name: string; create: (base: Json) => Step; steps: Next[] }> = fc.oneof(
  fc.record({ body: patchBody, edit: manifestEdit }).map(({ body, edit }) => ({
    name: "create, patch, apply",
    create: (base: Json) => clientSideApply(undefined, base),
    steps: [(live: Json) => patch(live, body), (live: Json, base: Json) => clientSideApply(live, edited(base, edit))],
  })),
  fc.array(objectChange, { minLength: 1, maxLength: 3 }).map((changes) => ({
    name: "create, edit",
    create: (base: Json) => create(base),
    steps: [(live: Json) => update(live, (o) => changes.forEach((change) => change(o)))],
  })),
  fc.record({ theirs: patchBody, edit: manifestEdit }).map(({ theirs, edit }) => ({
    name: "server-side apply by two managers",
    create: (base: Json) => serverSideApply(undefined, base, "alice"),
    steps: [
      (live: Json) => serverSideApply(live, { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "web" }, ...stripNulls(theirs) }, "bob"),
      (live: Json, base: Json) => serverSideApply(live, edited(base, edit), "alice"),
    ],
  })),
  fc.array(objectChange, { minLength: 1, maxLength: 2 }).map((changes) => ({
    name: "a controller's update",
    create: (base: Json) => clientSideApply(undefined, base),
    steps: [(live: Json) => update(live, (o) => changes.forEach((change) => change(o)), "operator")],
  })),
);

/** A server-side apply configuration carries no nulls (they would be values); drop them. */
function stripNulls(value: Json): Json {
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, stripNulls(v)]));
}

function subject(object: Json, oldObject: Json | undefined): ValidationSubject {
  return { kind: "StatefulSet", object, oldObject } as ValidationSubject;
}

/** Checks the three properties on one step and returns what the API server stores. */
function admitChecked(step: Step, doc: PolicyDocument): Json {
  const input = structuredClone(step.object);
  const out = run("StatefulSet", step.object, doc, step.operation, step.oldObject);
  expect(step.object).toEqual(input);
  if (step.oldObject) {
    for (const field of changedFields(step.object, out.patched)) {
      if (field.join("/") === `metadata/annotations/${defaultedAnnotation}`) continue;
      const now = valueAt(step.object, field);
      const untouched = now !== undefined && now !== null && semanticEqual(now, valueAt(step.oldObject, field));
      expect(untouched, `changed ${field.join(".")}, which the update left as it was`).toBe(false);
    }
  }
  if (apiServerErrors(subject(step.object, step.oldObject)).length === 0) {
    expect(apiServerErrors(subject(out.patched, step.oldObject))).toEqual([]);
  }
  expect(run("StatefulSet", out.patched, doc, step.operation, step.oldObject).patch).toBeUndefined();
  return out.patched;
}

describe("defaults over generated update sequences", () => {
  it("never change what the update left, keep the invariants, and settle in one pass", () => {
    let ran = 0;
    let updates = 0;
    fc.assert(
      fc.property(manifest, policy, sequence, (base, doc, { create: first, steps }) => {
        ran++;
        let live = admitChecked(first(base), doc);
        for (const next of steps) {
          live = admitChecked(next(live, base), doc);
          updates++;
        }
      }),
      { numRuns, seed },
    );
    // Guards against a generator that silently produces nothing to test.
    expect(ran).toBe(numRuns);
    expect(updates).toBeGreaterThanOrEqual(numRuns);
  }, 300_000);
});
