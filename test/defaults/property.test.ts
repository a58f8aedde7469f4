/**
 * Over many generated StatefulSets, PVCs and policies: the patch reproduces the mutated object, a second mutation
 * changes nothing, and nothing outside what a default manages moves.
 */
import fc from "fast-check";
import { applyPatch } from "rfc6902";
import { describe, expect, it } from "vitest";
import { defaultedAnnotation } from "../../src/engine/mutate.js";
import { semanticEqual } from "../../src/k8s/semantic.js";
import type { ReviewedKind } from "../../src/k8s/kinds.js";
import type { PolicyDocument } from "../../src/policy/policy.js";
import { run } from "./helpers.js";

type Json = Record<string, any>;

const numRuns = Number(process.env.PROPERTY_RUNS ?? 300);
const noProto = (value: unknown) => !JSON.stringify(value ?? null).includes("__proto__");

const labelKey = fc
  .oneof(
    fc.constantFrom("app", "app.kubernetes.io/part-of", "a~b", "x/y~1z", "~0", "/", "~", "ünï/cødé", "🙂/🙃"),
    fc.string({ minLength: 1, maxLength: 12 }),
    fc.string({ minLength: 1, maxLength: 6, unit: "grapheme" }),
  )
  .filter((k) => k !== "__proto__");
const labelMap = fc.dictionary(labelKey, fc.string({ maxLength: 8, unit: "grapheme" }), { maxKeys: 4 });
/** Labels a policy may list: the API server's syntax (the policy rejects others). */
const policyLabels = fc.dictionary(
  fc.constantFrom("app", "tier", "app.kubernetes.io/part-of", "example.com/team", "x_y.z"),
  fc.constantFrom("", "web", "shop", "a-b.c_d"),
  { maxKeys: 3 },
);
const extra = fc.jsonValue({ maxDepth: 2 }).filter(noProto);
const classOrNone = fc.option(fc.constantFrom("fast", "standard", "", "my-storage-class"), { nil: undefined });
const modes = fc.subarray(["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany"]);

const claimSpec = fc.record(
  {
    accessModes: modes,
    storageClassName: classOrNone,
    volumeName: fc.constant("pv-1"),
    selector: fc.record({ matchLabels: labelMap }),
    resources: fc.constant({ requests: { storage: "1Gi" } }),
    volumeMode: fc.constant("Filesystem"),
    "x-unknown": extra,
  },
  { requiredKeys: ["resources"] },
);
const claimMetadata = (name: fc.Arbitrary<string>) =>
  fc.record(
    {
      name,
      labels: labelMap,
      annotations: fc.oneof(
        fc.constant({ "volume.beta.kubernetes.io/storage-class": "legacy" }),
        fc.dictionary(labelKey, fc.string({ maxLength: 5 }), { maxKeys: 2 }),
      ),
    },
    { requiredKeys: ["name"] },
  );
const claimTemplate = fc.record(
  { metadata: claimMetadata(fc.constantFrom("data", "logs", "wal")), spec: claimSpec, status: fc.constant({ phase: "Pending" }) },
  { requiredKeys: ["metadata", "spec"] },
);

const env = fc.array(fc.record({ name: fc.string({ maxLength: 6 }), value: fc.string({ maxLength: 6 }) }), { maxLength: 40 });
const podTemplate = fc.record(
  {
    metadata: fc.record({ labels: labelMap, annotations: labelMap }, { requiredKeys: [] }),
    spec: fc.record(
      {
        containers: fc.array(fc.record({ name: fc.constantFrom("app", "sidecar"), image: fc.constant("nginx"), env }), {
          minLength: 1,
          maxLength: 2,
        }),
        terminationGracePeriodSeconds: fc.constantFrom(0, 10, 30, 60),
        restartPolicy: fc.constant("Always"),
      },
      { requiredKeys: ["containers"] },
    ),
  },
  { requiredKeys: ["spec"] },
);

const rollingUpdate = fc.record(
  { partition: fc.nat(3), maxUnavailable: fc.constantFrom(1, 2, "50%") },
  { requiredKeys: [] },
);
const statefulSetSpec = fc.record(
  {
    replicas: fc.nat(5),
    serviceName: fc.constant("svc"),
    selector: fc.constant({ matchLabels: { app: "x" } }),
    template: podTemplate,
    volumeClaimTemplates: fc.array(claimTemplate, { maxLength: 3 }),
    updateStrategy: fc.oneof(
      fc.constant({ type: "OnDelete" }),
      fc.record({ type: fc.constant("RollingUpdate"), rollingUpdate }, { requiredKeys: ["type"] }),
    ),
    podManagementPolicy: fc.constantFrom("OrderedReady", "Parallel"),
    persistentVolumeClaimRetentionPolicy: fc.record(
      { whenDeleted: fc.constantFrom("Retain", "Delete"), whenScaled: fc.constantFrom("Retain", "Delete") },
      { requiredKeys: [] },
    ),
    revisionHistoryLimit: fc.constant(10),
    "x-unknown": extra,
  },
  { requiredKeys: ["template"] },
);

function withRecords(object: Json, kind: "none" | "last-applied" | "apply", drop: string[]) {
  if (kind === "none") return object;
  const user = structuredClone(object);
  for (const key of drop) delete user.spec?.[key];
  object.metadata ??= {};
  if (kind === "last-applied") {
    object.metadata.annotations = {
      ...object.metadata.annotations,
      "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify(user),
    };
  } else {
    const spec = Object.fromEntries(Object.keys(user.spec ?? {}).map((k) => [`f:${k}`, {}]));
    object.metadata.managedFields = [{ manager: "kubectl", operation: "Apply", fieldsType: "FieldsV1", fieldsV1: { "f:spec": spec } }];
  }
  return object;
}

const subject = fc.oneof(
  fc
    .record({
      metadata: fc.record({ name: fc.constant("web"), labels: labelMap, annotations: labelMap }, { requiredKeys: ["name"] }),
      spec: statefulSetSpec,
      how: fc.constantFrom("none", "last-applied", "apply"),
      drop: fc.subarray(["updateStrategy", "podManagementPolicy", "persistentVolumeClaimRetentionPolicy"]),
    })
    .map(({ how, drop, ...o }) => ({
      kind: "StatefulSet" as ReviewedKind,
      object: withRecords({ apiVersion: "apps/v1", kind: "StatefulSet", ...o }, how as never, drop),
    })),
  fc
    .record({
      metadata: claimMetadata(fc.constant("claim")),
      spec: claimSpec,
      how: fc.constantFrom("none", "last-applied", "apply"),
      dropClass: fc.boolean(),
    })
    .map(({ how, dropClass, ...o }) => ({
      kind: "PersistentVolumeClaim" as ReviewedKind,
      object: withRecords({ apiVersion: "v1", kind: "PersistentVolumeClaim", ...o }, how as never, dropClass ? ["storageClassName"] : []),
    })),
);

const policy: fc.Arbitrary<PolicyDocument> = fc
  .record(
    {
      overrideBuiltinDefaults: fc.boolean(),
      annotate: fc.boolean(),
      "default-termination-grace": fc.record({ enabled: fc.boolean(), seconds: fc.constantFrom(0, 10, 30, 45) }, { requiredKeys: [] }),
      "default-storage-class": fc.record({ enabled: fc.boolean(), storageClassName: fc.constantFrom("fast", "standard", null) }, { requiredKeys: [] }),
      "default-access-modes": fc.record({ enabled: fc.boolean(), accessModes: fc.constantFrom(["ReadWriteOnce"], ["ReadWriteMany", "ReadOnlyMany"]) }, { requiredKeys: [] }),
      "default-update-strategy": fc.record(
        { enabled: fc.boolean(), type: fc.constantFrom("RollingUpdate", "OnDelete"), partition: fc.nat(3), maxUnavailable: fc.constantFrom(null, 1, "25%") },
        { requiredKeys: [] },
      ),
      "default-pod-management-policy": fc.record({ enabled: fc.boolean(), podManagementPolicy: fc.constantFrom("OrderedReady", "Parallel") }, { requiredKeys: [] }),
      "default-retention-policy": fc.record(
        { enabled: fc.boolean(), whenDeleted: fc.constantFrom("Retain", "Delete"), whenScaled: fc.constantFrom("Retain", "Delete") },
        { requiredKeys: [] },
      ),
      "default-labels": fc.record({ enabled: fc.boolean(), labels: policyLabels }, { requiredKeys: [] }),
    },
    { requiredKeys: [] },
  )
  .map((defaults) => ({ defaults }) as PolicyDocument);

/** Sets `path` in `target` back to its value in `original` (deleting it where the original has none). */
function restore(target: Json, original: Json, path: string[]) {
  let t: any = target;
  let o: any = original;
  for (const name of path.slice(0, -1)) {
    if (t?.[name] === undefined) return;
    t = t[name];
    o = o?.[name];
  }
  const last = path[path.length - 1]!;
  if (o !== undefined && Object.hasOwn(o, last)) t[last] = o[last];
  else delete t[last];
}

/** Drops the entries a default may add to a map the original lacked, and the map or its parent if it is then new and empty. */
function restoreMap(target: Json | undefined, original: Json | undefined, mapName: string, keys: readonly string[]) {
  if (!target) return;
  const map = target[mapName];
  if (map === undefined) return;
  for (const key of keys) if (!(original?.[mapName] && Object.hasOwn(original[mapName], key))) delete map[key];
  if (original?.[mapName] === undefined && Object.keys(map).length === 0) delete target[mapName];
}

/** The patched object with every default-managed field put back as the original had it. */
function withoutDefaulted(kind: ReviewedKind, patched: Json, original: Json, labels: readonly string[]): Json {
  const out = structuredClone(patched);
  restoreMap(out.metadata, original.metadata, "annotations", [defaultedAnnotation]);
  if (original.metadata === undefined && Object.keys(out.metadata ?? {}).length === 0) delete out.metadata;
  const claimPairs: [Json, Json][] =
    kind === "PersistentVolumeClaim"
      ? [[out, original]]
      : (out.spec.volumeClaimTemplates ?? []).map((c: Json, i: number) => [c, original.spec.volumeClaimTemplates[i]]);
  for (const [claim, before] of claimPairs) {
    restore(claim, before, ["spec", "storageClassName"]);
    restore(claim, before, ["spec", "accessModes"]);
    if (kind === "StatefulSet") restoreMap(claim.metadata, before.metadata, "labels", labels);
  }
  if (kind === "StatefulSet") {
    for (const field of ["updateStrategy", "podManagementPolicy", "persistentVolumeClaimRetentionPolicy"]) {
      restore(out, original, ["spec", field]);
    }
    restore(out, original, ["spec", "template", "spec", "terminationGracePeriodSeconds"]);
    restoreMap(out.spec.template.metadata, original.spec.template.metadata, "labels", labels);
    if (original.spec.template.metadata === undefined && Object.keys(out.spec.template.metadata ?? {}).length === 0) {
      delete out.spec.template.metadata;
    }
  }
  return out;
}

describe("mutation over generated objects and policies", () => {
  it("the patch reproduces the mutated object, is idempotent and touches only default-managed fields", () => {
    fc.assert(
      fc.property(subject, policy, ({ kind, object }, doc) => {
        const original = structuredClone(object);
        const out = run(kind, object, doc);
        expect(object).toEqual(original);
        if (out.patch === undefined) {
          expect(out.changes).toEqual([]);
          expect(out.mutated).toBe(object);
        } else {
          expect(out.patch.length).toBeGreaterThan(0);
          expect(semanticEqual(out.patched, out.mutated)).toBe(true);
          const wire = structuredClone(original);
          expect(applyPatch(wire, JSON.parse(JSON.stringify(out.patch))).every((e) => e === null)).toBe(true);
          expect(wire).toEqual(out.patched);
        }
        expect(run(kind, out.patched, doc).patch).toBeUndefined();
        const labels = Object.keys((doc.defaults as Json)?.["default-labels"]?.labels ?? {});
        expect(withoutDefaulted(kind, out.patched, original, labels)).toEqual(original);
      }),
      { numRuns },
    );
  }, 120_000);

  it("never changes a field the user set when no records exist and built-in defaults are kept", () => {
    fc.assert(
      fc.property(subject, policy, ({ kind, object }, doc) => {
        // fc.pre, not a return: fast-check draws again, so all numRuns runs test an object without records.
        fc.pre(!object.metadata?.managedFields && !object.metadata?.annotations?.["kubectl.kubernetes.io/last-applied-configuration"]);
        (doc.defaults as Json).overrideBuiltinDefaults = false;
        const out = run(kind, object, doc);
        const before = JSON.stringify;
        const fields: string[][] =
          kind === "StatefulSet"
            ? [["spec", "updateStrategy"], ["spec", "podManagementPolicy"], ["spec", "persistentVolumeClaimRetentionPolicy"], ["spec", "template", "spec", "terminationGracePeriodSeconds"]]
            : [["spec", "storageClassName"]];
        for (const path of fields) {
          const at = (o: Json) => path.reduce<any>((node, name) => node?.[name], o);
          if (at(object) !== undefined) expect(before(at(out.patched))).toBe(before(at(object)));
        }
      }),
      { numRuns },
    );
  }, 120_000);
});
