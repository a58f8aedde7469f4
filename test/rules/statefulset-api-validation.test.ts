/**
 * kubernetes/kubernetes pkg/apis/apps/validation/validation_test.go, translated: each case of TestValidateStatefulSet,
 * TestValidateStatefulSetMinReadySeconds and TestValidateStatefulSetUpdate as an apps/v1 manifest through every rule
 * under the default policy. A valid case gets no denial at all; an invalid one is denied at upstream's field with
 * upstream's error type, by statefulset-api-validation or by the rule that already covered that field (named per case).
 *
 * Upstream tests the internal, already-defaulted type. A manifest leaves defaulted fields out, and the API server
 * defaults them before it validates, so upstream's cases of an empty restartPolicy, updateStrategy,
 * podManagementPolicy or retention policy (errors on the internal type) are accepted manifests here; the test says so
 * for each.
 */
import { describe, expect, it } from "vitest";
import { emptyClusterView } from "../../src/cluster/view.js";
import type { Operation } from "../../src/engine/types.js";
import { validate } from "../../src/engine/validate.js";
import type { StatefulSet } from "../../src/k8s/objects.js";
import { buildPolicy } from "../../src/policy/policy.js";
import { rules } from "../../src/rules/index.js";

const id = "statefulset-api-validation";

/** upstream's mkStatefulSet with validPodTemplate, as the manifest a user would write. */
function mkStatefulSet(tweak: (sts: any) => void = () => {}): StatefulSet {
  const sts = {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "abc", namespace: "default" },
    spec: {
      replicas: 0,
      podManagementPolicy: "OrderedReady",
      selector: { matchLabels: { a: "b" } },
      template: {
        metadata: { labels: { a: "b" } },
        spec: {
          restartPolicy: "Always",
          dnsPolicy: "ClusterFirst",
          containers: [{ name: "abc", image: "image", imagePullPolicy: "IfNotPresent" }],
        },
      },
      updateStrategy: { type: "RollingUpdate" },
    },
  };
  tweak(sts);
  return sts as StatefulSet;
}

/** Every denial of every rule, as `<path> <type> [<rule>]`. */
async function denials(object: StatefulSet, oldObject?: StatefulSet): Promise<string[]> {
  const operation: Operation = oldObject ? "UPDATE" : "CREATE";
  const scope = buildPolicy({}).forNamespace("default");
  const result = await validate({ kind: "StatefulSet", object, oldObject }, operation, "default", scope, emptyClusterView());
  return result.denials.map((f) => `${f.error.path} ${f.error.type} [${f.ruleId}]`);
}

const invalidLabels = { "NoUppercaseOrSpecialCharsLike=Equals": "b" };

describe(`${id}: TestValidateStatefulSet`, () => {
  const success: [string, (sts: any) => void][] = [
    ["alpha name", (s) => (s.metadata.name = "abc")],
    ["alphanumeric name", (s) => (s.metadata.name = "abc-123")],
    ["hostNetwork true", (s) => Object.assign(s.spec.template.spec, { hostNetwork: true })],
    ["parallel pod management", (s) => (s.spec.podManagementPolicy = "Parallel")],
    ["ordered ready pod management", (s) => (s.spec.podManagementPolicy = "OrderedReady")],
    ["update strategy", (s) => Object.assign(s.spec, { replicas: 3, updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 2 } } })],
    ["PVC policy", (s) => (s.spec.persistentVolumeClaimRetentionPolicy = { whenDeleted: "Delete", whenScaled: "Retain" })],
    [
      "maxUnavailable with parallel pod management",
      (s) => Object.assign(s.spec, { replicas: 3, updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 2, maxUnavailable: 2 } } }),
    ],
    ["ordinals.start positive value", (s) => Object.assign(s.spec, { replicas: 3, ordinals: { start: 2 } })],
    // Defaulted before validation (upstream: errors on the internal type).
    ["empty restart policy (defaulted to Always)", (s) => (s.spec.template.spec.restartPolicy = "")],
    ["empty update strategy (defaulted to RollingUpdate)", (s) => (s.spec.updateStrategy = { type: "" })],
    ["empty pod management policy (defaulted to OrderedReady)", (s) => (s.spec.podManagementPolicy = "")],
    ["empty PersistentVolumeClaimRetentionPolicy (defaulted to Retain)", (s) => (s.spec.persistentVolumeClaimRetentionPolicy = {})],
  ];
  for (const [name, tweak] of success) {
    it(`success case ${name}`, async () => {
      expect(await denials(mkStatefulSet(tweak))).toEqual([]);
    });
  }

  const errors: [string, (sts: any) => void, string[]][] = [
    ["zero-length name", (s) => (s.metadata.name = ""), [`metadata.name Required value [${id}]`]],
    ["name-with-dots", (s) => (s.metadata.name = "abc.123"), ["metadata.name Invalid value [statefulset-name]"]],
    ["long name", (s) => (s.metadata.name = "a".repeat(64)), ["metadata.name Invalid value [statefulset-name]"]],
    // upstream also reports spec.template.metadata.labels (a nil selector matches nothing); one finding says it.
    ["empty selector", (s) => delete s.spec.selector, ["spec.selector Required value [statefulset-selector]"]],
    ["selector_doesnt_match", (s) => (s.spec.selector = { matchLabels: { foo: "bar" } }), ["spec.template.metadata.labels Invalid value [statefulset-selector]"]],
    ["negative_replicas", (s) => (s.spec.replicas = -1), [`spec.replicas Invalid value [${id}]`]],
    ["invalid_label", (s) => (s.metadata.labels = { "NoUppercaseOrSpecialCharsLike=Equals": "bar" }), [`metadata.labels Invalid value [${id}]`]],
    [
      "invalid_label 2",
      (s) => {
        s.spec.template.metadata.labels = invalidLabels;
        s.metadata.labels = { "NoUppercaseOrSpecialCharsLike=Equals": "bar" };
        s.spec.selector = { matchLabels: invalidLabels };
      },
      [`metadata.labels Invalid value [${id}]`, `spec.selector.matchLabels Invalid value [${id}]`, `spec.selector Invalid value [${id}]`],
    ],
    ["invalid_annotation", (s) => (s.metadata.annotations = { "NoUppercaseOrSpecialCharsLike=Equals": "bar" }), [`metadata.annotations Invalid value [${id}]`]],
    ["invalid restart policy 1", (s) => (s.spec.template.spec.restartPolicy = "OnFailure"), [`spec.template.spec.restartPolicy Unsupported value [${id}]`]],
    ["invalid restart policy 2", (s) => (s.spec.template.spec.restartPolicy = "Never"), [`spec.template.spec.restartPolicy Unsupported value [${id}]`]],
    // upstream: Invalid at spec.updateStrategy; statefulset-update-strategy names the type field itself.
    ["invalid update strategy", (s) => Object.assign(s.spec, { replicas: 3, updateStrategy: { type: "foo" } }), ["spec.updateStrategy.type Unsupported value [statefulset-update-strategy]"]],
    [
      "invalid rolling update",
      (s) => Object.assign(s.spec, { replicas: 3, updateStrategy: { type: "OnDelete", rollingUpdate: { partition: 1 } } }),
      ["spec.updateStrategy.rollingUpdate Invalid value [statefulset-update-strategy]"],
    ],
    [
      "negative partition",
      (s) => Object.assign(s.spec, { replicas: 3, updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: -1 } } }),
      ["spec.updateStrategy.rollingUpdate.partition Invalid value [statefulset-update-strategy]"],
    ],
    ["invalid pod management policy", (s) => (s.spec.podManagementPolicy = "foo"), [`spec.podManagementPolicy Invalid value [${id}]`]],
    ["set active deadline seconds", (s) => Object.assign(s.spec.template.spec, { activeDeadlineSeconds: 60 }), [`spec.template.spec.activeDeadlineSeconds Forbidden [${id}]`]],
    [
      "invalid PersistentVolumeClaimRetentionPolicy",
      (s) => (s.spec.persistentVolumeClaimRetentionPolicy = { whenDeleted: "invalid-retention-policy", whenScaled: "invalid-retention-policy" }),
      [
        `spec.persistentVolumeClaimRetentionPolicy.whenDeleted Unsupported value [${id}]`,
        `spec.persistentVolumeClaimRetentionPolicy.whenScaled Unsupported value [${id}]`,
      ],
    ],
    ...(["zero maxUnavailable", "zero percent maxUnavailable", "greater than 100 percent maxUnavailable"] as const).map(
      (name, i): [string, (sts: any) => void, string[]] => [
        name,
        (s) => Object.assign(s.spec, { replicas: 3, updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: [0, "0%", "101%"][i] } } }),
        ["spec.updateStrategy.rollingUpdate.maxUnavailable Invalid value [statefulset-update-strategy]"],
      ],
    ),
    ["invalid ordinals.start", (s) => Object.assign(s.spec, { replicas: 3, ordinals: { start: -2 } }), [`spec.ordinals.start Invalid value [${id}]`]],
  ];
  for (const [name, tweak, expected] of errors) {
    it(`error case ${name}`, async () => {
      expect((await denials(mkStatefulSet(tweak))).sort()).toEqual([...expected].sort());
    });
  }
});

describe(`${id}: TestValidateStatefulSetMinReadySeconds`, () => {
  const cases: [string, number, boolean][] = [
    ["valid : minReadySeconds enabled, zero", 0, false],
    ["invalid : minReadySeconds enabled, negative", -1, true],
    ["valid : minReadySeconds enabled, very large value", 2147483647, false],
    ["invalid : minReadySeconds enabled, large negative", -2147483648, true],
  ];
  for (const [name, seconds, expectErr] of cases) {
    it(name, async () => {
      const found = await denials(mkStatefulSet((s) => Object.assign(s.spec, { replicas: 3, minReadySeconds: seconds })));
      expect(found).toEqual(expectErr ? [`spec.minReadySeconds Invalid value [${id}]`] : []);
    });
  }
});

describe(`${id}: TestValidateStatefulSetUpdate`, () => {
  const pvcTemplate = (name: string, storageClassName: string, storage: string) => ({
    metadata: { name },
    spec: { storageClassName, accessModes: ["ReadWriteOnce"], resources: { requests: { storage } } },
  });
  const validPVCTemplate = pvcTemplate("pvc-abc", "storage-class1", "1Gi");
  const addContainer = (s: any) => s.spec.template.spec.containers.push({ name: "def", image: "image2", imagePullPolicy: "IfNotPresent" });

  const success: [string, (sts: any) => void, (sts: any) => void][] = [
    ["update replica count", () => {}, (s) => (s.spec.replicas = 3)],
    ["update containers 1", () => {}, addContainer],
    ["update containers 2", addContainer, () => {}],
    ["update containers and pvc retention policy 1", addContainer, (s) => (s.spec.persistentVolumeClaimRetentionPolicy = { whenDeleted: "Retain", whenScaled: "Retain" })],
    ["update containers and pvc retention policy 2", (s) => (s.spec.persistentVolumeClaimRetentionPolicy = { whenScaled: "Retain" }), () => {}],
    ["update update strategy", () => {}, (s) => (s.spec.updateStrategy = { type: "OnDelete" })],
    ["update min ready seconds 1", () => {}, (s) => (s.spec.minReadySeconds = 10)],
    ["update min ready seconds 2", (s) => (s.spec.minReadySeconds = 5), (s) => (s.spec.minReadySeconds = 10)],
    ["update existing instance with now-invalid name", (s) => (s.metadata.finalizers = ["final"]), () => {}],
    ["update existing instance with .spec.ordinals.start", () => {}, (s) => (s.spec.ordinals = { start: 3 })],
    // upstream: an error on the internal type; in a manifest "" is OrderedReady, so nothing changes.
    ["update pod management policy 1 (\"\" is the default OrderedReady)", (s) => (s.spec.podManagementPolicy = ""), () => {}],
  ];
  for (const [name, old, update] of success) {
    it(`success case ${name}`, async () => {
      expect(await denials(mkStatefulSet(update), mkStatefulSet(old))).toEqual([]);
    });
  }

  // upstream reports one Forbidden at `spec`; statefulset-immutable-fields names the field below it.
  const errors: [string, (sts: any) => void, (sts: any) => void, string[]][] = [
    [
      "update selector",
      () => {},
      (s) => {
        s.spec.selector = { matchLabels: { c: "d" } };
        s.spec.template.metadata.labels = { c: "d" };
      },
      ["spec.selector Forbidden [statefulset-immutable-fields]"],
    ],
    [
      "update pod management policy 2",
      (s) => (s.spec.podManagementPolicy = "Parallel"),
      () => {},
      ["spec.podManagementPolicy Forbidden [statefulset-immutable-fields]"],
    ],
    ["update to negative replicas", () => {}, (s) => (s.spec.replicas = -1), [`spec.replicas Invalid value [${id}]`]],
    [
      "update pvc template size",
      (s) => (s.spec.volumeClaimTemplates = [validPVCTemplate]),
      (s) => (s.spec.volumeClaimTemplates = [pvcTemplate("pvc-abc", "storage-class1", "2Gi")]),
      ["spec.volumeClaimTemplates Forbidden [statefulset-immutable-fields]"],
    ],
    [
      "update pvc template storage class",
      (s) => (s.spec.volumeClaimTemplates = [validPVCTemplate]),
      (s) => (s.spec.volumeClaimTemplates = [pvcTemplate("pvc-abc", "storage-class2", "1Gi")]),
      ["spec.volumeClaimTemplates Forbidden [statefulset-immutable-fields]"],
    ],
    [
      "add new pvc template",
      (s) => (s.spec.volumeClaimTemplates = [validPVCTemplate]),
      (s) => (s.spec.volumeClaimTemplates = [validPVCTemplate, pvcTemplate("pvc-abc2", "storage-class2", "2Gi")]),
      ["spec.volumeClaimTemplates Forbidden [statefulset-immutable-fields]"],
    ],
  ];
  for (const [name, old, update, expected] of errors) {
    it(`error case ${name}`, async () => {
      expect(await denials(mkStatefulSet(update), mkStatefulSet(old))).toEqual(expected);
    });
  }
});

describe(`${id}: what the issue names, and claim templates`, () => {
  it("denies an invalid selector operator, values an operator forbids or needs, and an invalid label value", async () => {
    const sts = mkStatefulSet((s) => {
      s.spec.selector = {
        matchLabels: { a: "b" },
        matchExpressions: [
          { key: "tier", operator: "Is", values: ["db"] },
          { key: "tier", operator: "In" },
          { key: "tier", operator: "Exists", values: ["db"] },
        ],
      };
    });
    expect(await denials(sts)).toEqual([
      `spec.selector.matchExpressions[0].operator Invalid value [${id}]`,
      `spec.selector.matchExpressions[1].values Required value [${id}]`,
      `spec.selector.matchExpressions[2].values Forbidden [${id}]`,
      `spec.selector Invalid value [${id}]`,
    ]);
    const value = mkStatefulSet((s) => (s.metadata.labels = { team: "data platform" }));
    expect(await denials(value)).toEqual([`metadata.labels Invalid value [${id}]`]);
  });

  it("checks the pod template's labels and annotations at upstream's spec.template.labels and .annotations", async () => {
    const sts = mkStatefulSet((s) => {
      s.spec.template.metadata.labels = { a: "b", "bad key": "x" };
      s.spec.template.metadata.annotations = { "also bad": "y" };
    });
    expect(await denials(sts)).toEqual([`spec.template.labels Invalid value [${id}]`, `spec.template.annotations Invalid value [${id}]`]);
  });

  it("denies annotations over 256 KiB in total", async () => {
    const sts = mkStatefulSet((s) => (s.metadata.annotations = { "example.com/blob": "x".repeat(256 * 1024) }));
    expect(await denials(sts)).toEqual([`metadata.annotations Too long [${id}]`]);
  });

  it("denies a claim template the controller could not create PVCs from: Fast_SSD and an unknown volumeMode", async () => {
    const sts = mkStatefulSet((s) => {
      s.spec.volumeClaimTemplates = [
        { metadata: { name: "data" }, spec: { storageClassName: "Fast_SSD", volumeMode: "Raw", accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } },
      ];
      s.spec.template.spec.containers[0].volumeMounts = [{ name: "data", mountPath: "/data" }];
    });
    const found = await denials(sts);
    expect(found).toEqual([
      `spec.volumeClaimTemplates[0].spec.storageClassName Invalid value [${id}]`,
      `spec.volumeClaimTemplates[0].spec.volumeMode Unsupported value [${id}]`,
    ]);
  });

  it("words findings as the API server does", async () => {
    const scope = buildPolicy({}).forNamespace("default");
    const object = mkStatefulSet((s) => Object.assign(s.spec, { replicas: -1, podManagementPolicy: "Sequential" }));
    const { denials: found } = await validate({ kind: "StatefulSet", object, oldObject: undefined }, "CREATE", "default", scope, emptyClusterView());
    const { formatFinding } = await import("../../src/engine/finding.js");
    expect(found.map((f) => formatFinding(f))).toEqual([
      `spec.podManagementPolicy: Invalid value: "Sequential": must be 'OrderedReady' or 'Parallel' [${id}]`,
      `spec.replicas: Invalid value: -1: must be greater than or equal to 0 [${id}]`,
    ]);
  });

  it("is registered, deny by default", () => {
    expect(rules.find((r) => r.id === id)?.defaultAction).toBe("deny");
  });
});
