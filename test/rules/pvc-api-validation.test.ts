/**
 * kubernetes/kubernetes pkg/apis/core/validation/validation_test.go, translated: the cases of TestValidatePersistentVolumeClaim
 * (testValidatePVC) and TestValidatePersistentVolumeClaimUpdate as v1 manifests through every rule under the default
 * policy. A valid case gets no denial; an invalid one is denied at upstream's field with upstream's error type, by
 * pvc-api-validation or by the rule that already covered the field (named per case).
 *
 * Left out, because no Stateward rule checks them: missing-namespace (a manifest's namespace comes from the request),
 * dataSource and dataSourceRef API groups, volumeAttributesClassName, and status-dependent resizing (pvc-resize).
 * Upstream's internal type has no defaults: a nil volumeMode is Filesystem in any manifest the API server stores, so
 * its nil-to-file and file-to-nil updates change nothing here.
 */
import { describe, expect, it } from "vitest";
import { emptyClusterView } from "../../src/cluster/view.js";
import { formatFinding } from "../../src/engine/finding.js";
import { validate } from "../../src/engine/validate.js";
import type { PersistentVolumeClaim } from "../../src/k8s/objects.js";
import { buildPolicy } from "../../src/policy/policy.js";

const id = "pvc-api-validation";
const betaClass = "volume.beta.kubernetes.io/storage-class";

/** upstream's testVolumeClaim("foo", "ns", spec), with annotations when given. */
function claim(spec: Record<string, unknown>, annotations?: Record<string, string>, extra: Record<string, unknown> = {}): PersistentVolumeClaim {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: "foo", namespace: "ns", ...(annotations ? { annotations } : {}), ...extra },
    spec,
  } as PersistentVolumeClaim;
}

async function run(object: PersistentVolumeClaim, oldObject?: PersistentVolumeClaim) {
  const scope = buildPolicy({}).forNamespace("ns");
  return validate(
    { kind: "PersistentVolumeClaim", object, oldObject },
    oldObject ? "UPDATE" : "CREATE",
    "ns",
    scope,
    emptyClusterView(),
  );
}

async function denials(object: PersistentVolumeClaim, oldObject?: PersistentVolumeClaim): Promise<string[]> {
  return (await run(object, oldObject)).denials.map((f) => `${f.error.path} ${f.error.type} [${f.ruleId}]`);
}

const requests = (storage: string) => ({ requests: { storage } });
const goodClaimSpec = {
  selector: { matchExpressions: [{ key: "key2", operator: "Exists" }] },
  accessModes: ["ReadWriteOnce", "ReadOnlyMany"],
  resources: requests("10G"),
  storageClassName: "valid",
  volumeMode: "Filesystem",
};

describe(`${id}: TestValidatePersistentVolumeClaim`, () => {
  const success: [string, PersistentVolumeClaim][] = [
    ["good-claim", claim(goodClaimSpec)],
    ["with-generate-name", claim(goodClaimSpec, undefined, { generateName: "pvc-" })],
    ["with-resource-version", claim(goodClaimSpec, undefined, { resourceVersion: "1" })],
    ["with-finalizers", claim(goodClaimSpec, undefined, { finalizers: ["example.com/foo"] })],
    ["with-good-labels", claim(goodClaimSpec, undefined, { labels: { "apps.kubernetes.io/name": "test" } })],
    ["with-good-annotations", claim(goodClaimSpec, undefined, { labels: { foo: "bar" } })],
    ["with-read-write-once-pod", claim({ accessModes: ["ReadWriteOncePod"], resources: requests("10G") })],
  ];
  for (const [name, object] of success) {
    it(`success case ${name}`, async () => {
      expect(await denials(object)).toEqual([]);
    });
  }

  const errors: [string, PersistentVolumeClaim, string[]][] = [
    ["missing-name", { ...claim(goodClaimSpec), metadata: { namespace: "ns" } }, [`metadata.name Required value [${id}]`]],
    ["with-bad-labels", claim(goodClaimSpec, undefined, { labels: { "hello-world": "hyphen not allowed" } }), [`metadata.labels Invalid value [${id}]`]],
    [
      "with-read-write-once-pod-and-others",
      claim({ accessModes: ["ReadWriteOncePod", "ReadWriteMany"], resources: requests("10G") }),
      ["spec.accessModes Forbidden [storage-access-modes]"],
    ],
    // upstream's path is spec.resources[storage]; storage-request names the field where it is written.
    ["invalid-claim-zero-capacity", claim({ ...goodClaimSpec, resources: requests("0G") }), ["spec.resources.requests.storage Invalid value [storage-request]"]],
    [
      "invalid-label-selector",
      claim({
        selector: { matchExpressions: [{ key: "key2", operator: "InvalidOp", values: ["value1", "value2"] }] },
        accessModes: ["ReadWriteOnce", "ReadOnlyMany"],
        resources: requests("10G"),
      }),
      [`spec.selector.matchExpressions[0].operator Invalid value [${id}]`],
    ],
    // upstream: Unsupported value at spec.accessModes; storage-access-modes names the entry.
    ["invalid-accessmode", claim({ accessModes: ["fakemode"], resources: requests("10G") }), ["spec.accessModes[0] Unsupported value [storage-access-modes]"]],
    ["no-access-modes", claim({ resources: requests("10G") }), ["spec.accessModes Required value [storage-access-modes]"]],
    ["no-resource-requests", claim({ accessModes: ["ReadWriteOnce"] }), ["spec.resources.requests.storage Required value [storage-request]"]],
    [
      "invalid-resource-requests",
      claim({ accessModes: ["ReadWriteOnce"], resources: { requests: { memory: "10G" } } }),
      ["spec.resources.requests.storage Required value [storage-request]"],
    ],
    ["negative-storage-request", claim({ ...goodClaimSpec, resources: requests("-10G") }), ["spec.resources.requests.storage Invalid value [storage-request]"]],
    ["zero-storage-request", claim({ ...goodClaimSpec, resources: requests("0G") }), ["spec.resources.requests.storage Invalid value [storage-request]"]],
    ["invalid-storage-class-name", claim({ ...goodClaimSpec, storageClassName: "-invalid-" }), [`spec.storageClassName Invalid value [${id}]`]],
    [
      "invalid-volume-mode",
      claim({ accessModes: ["ReadWriteOnce", "ReadOnlyMany"], resources: requests("10G"), volumeMode: "fakeVolumeMode" }),
      [`spec.volumeMode Unsupported value [${id}]`],
    ],
  ];
  for (const [name, object, expected] of errors) {
    it(`error case ${name}`, async () => {
      expect(await denials(object)).toEqual(expected);
    });
  }

  it("the issue's Fast_SSD, worded as the API server words it", async () => {
    const { denials: found } = await run(claim({ ...goodClaimSpec, storageClassName: "Fast_SSD" }));
    expect(found.map((f) => formatFinding(f))).toEqual([
      `spec.storageClassName: Invalid value: "Fast_SSD": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character [${id}]`,
    ]);
  });
});

describe(`${id}: TestValidatePersistentVolumeClaimUpdate`, () => {
  const modes = ["ReadWriteOnce", "ReadOnlyMany"];
  const validClaim = claim({ accessModes: modes, resources: requests("10G") });
  const validUpdateClaim = claim({ accessModes: modes, resources: requests("10G"), volumeName: "volume" });
  const withMode = (volumeMode?: string) =>
    claim({ accessModes: ["ReadWriteOnce"], resources: requests("10G"), volumeName: "volume", ...(volumeMode ? { volumeMode } : {}) });
  const file = withMode("Filesystem");
  const block = withMode("Block");
  const nilMode = withMode();
  const rox = { accessModes: ["ReadOnlyMany"], resources: requests("10G") };
  const classAnnotation = (cls: string, volumeName?: string) => claim({ ...rox, ...(volumeName ? { volumeName } : {}) }, { [betaClass]: cls });
  const classInSpec = (cls: string) => claim({ ...rox, storageClassName: cls });
  const classNil = claim(rox);
  const annotationAndSpec = (ann: string, cls: string) => claim({ ...rox, storageClassName: cls }, { [betaClass]: ann });
  const annotationAndNilSpec = (ann: string) => claim(rox, { [betaClass]: ann });
  const description = (value: string, spec: Record<string, unknown>) => claim(spec, { description: value });
  const forbiddenSpec = `spec Forbidden [${id}]`;
  const immutableMode = `volumeMode Invalid value [${id}]`;
  const immutableAnnotation = `metadata.annotations.${betaClass} Invalid value [${id}]`;

  const cases: [string, PersistentVolumeClaim, PersistentVolumeClaim, string[]][] = [
    ["valid-update-volumeName-only", validClaim, validUpdateClaim, []],
    ["valid-no-op-update", validUpdateClaim, validUpdateClaim, []],
    ["invalid-update-change-access-modes-on-bound-claim", validUpdateClaim, claim({ accessModes: ["ReadWriteOnce"], resources: requests("10G"), volumeName: "volume" }), [forbiddenSpec]],
    ["valid-update-volume-mode-block-to-block", block, block, []],
    ["valid-update-volume-mode-file-to-file", file, file, []],
    ["invalid-update-volume-mode-to-block", file, block, [forbiddenSpec, immutableMode]],
    ["invalid-update-volume-mode-to-file", block, file, [forbiddenSpec, immutableMode]],
    ["invalid-update-volume-mode-nil-to-block", nilMode, block, [forbiddenSpec, immutableMode]],
    ["invalid-update-volume-mode-block-to-nil", block, nilMode, [forbiddenSpec, immutableMode]],
    ["invalid-update-volume-mode-empty-to-mode", validClaim, block, [forbiddenSpec, immutableMode]],
    ["invalid-update-volume-mode-mode-to-empty", block, validClaim, [forbiddenSpec, immutableMode]],
    // Defaulted: a nil volumeMode is stored as Filesystem, so these change nothing (upstream: errors).
    ["volume-mode nil-to-file (nil is the default Filesystem)", nilMode, file, []],
    ["volume-mode file-to-nil (nil is the default Filesystem)", file, nilMode, []],
    ["invalid-update-change-storage-class-annotation-after-creation", classAnnotation("fast"), classAnnotation("fast2", "volume"), [immutableAnnotation]],
    ["valid-update-mutable-annotation", description("foo-description", rox), description("updated-or-added-foo-description", { ...rox, volumeName: "volume" }), []],
    ["valid-update-add-annotation", validClaim, description("updated-or-added-foo-description", { accessModes: modes, resources: requests("10G"), volumeName: "volume" }), []],
    ["valid-upgrade-storage-class-annotation-to-spec", classAnnotation("fast"), classInSpec("fast"), []],
    ["valid-upgrade-nil-storage-class-spec-to-spec", classNil, classInSpec("fast"), []],
    ["invalid-upgrade-not-nil-storage-class-spec-to-spec", classInSpec("fast"), classInSpec("fast2"), [forbiddenSpec]],
    ["invalid-upgrade-to-nil-storage-class-spec-to-spec", classInSpec("fast"), classNil, [forbiddenSpec]],
    ["valid-upgrade-storage-class-annotation-and-nil-spec-to-spec-retro", annotationAndNilSpec("fast"), annotationAndSpec("fast", "fast"), []],
    ["invalid-upgrade-storage-class-annotation-and-spec-to-spec-retro", annotationAndSpec("fast", "fast"), classInSpec("fast2"), [forbiddenSpec, immutableAnnotation]],
    ["invalid-upgrade-storage-class-annotation-and-no-spec", annotationAndNilSpec("fast"), classInSpec("fast2"), [forbiddenSpec, immutableAnnotation]],
    ["invalid-upgrade-storage-class-annotation-to-spec", classAnnotation("fast"), classInSpec("fast2"), [forbiddenSpec, immutableAnnotation]],
    ["valid-upgrade-storage-class-annotation-to-annotation-and-spec", classAnnotation("fast"), annotationAndSpec("fast", "fast"), []],
    ["invalid-upgrade-storage-class-annotation-to-annotation-and-spec", classAnnotation("fast"), annotationAndSpec("fast2", "fast"), [immutableAnnotation]],
    ["invalid-upgrade-storage-class-in-spec", classInSpec("fast"), classInSpec("fast2"), [forbiddenSpec]],
    ["invalid-downgrade-storage-class-spec-to-annotation", classInSpec("fast"), classAnnotation("fast"), [forbiddenSpec, immutableAnnotation]],
    [
      "valid-update-rwop-used-and-rwop-feature-disabled",
      claim({ accessModes: ["ReadWriteOncePod"], resources: requests("10G"), volumeName: "volume" }),
      claim({ accessModes: ["ReadWriteOncePod"], resources: requests("10G"), volumeName: "volume" }, { description: "updated-or-added-foo-description" }),
      [],
    ],
  ];
  for (const [name, old, update, expected] of cases) {
    it(`${expected.length === 0 ? "success" : "error"} case ${name}`, async () => {
      expect(await denials(update, old)).toEqual(expected);
    });
  }

  it("names the fields that changed, and lets volumeName be set once", async () => {
    const { denials: found } = await run(
      claim({ accessModes: ["ReadWriteMany"], resources: requests("10G"), storageClassName: "b", volumeName: "other" }),
      claim({ accessModes: ["ReadWriteOnce"], resources: requests("10G"), storageClassName: "a", volumeName: "pv-1" }),
    );
    expect(found.map((f) => formatFinding(f))).toEqual([
      `spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims; changed: accessModes, storageClassName, volumeName [${id}]`,
    ]);
  });

  // Where Stateward's three models disagreed, the API server's ValidatePersistentVolumeClaimUpdate decides.
  describe("what changed when the models became one", () => {
    // pvc-resize judges the size itself (a class that may expand): only this rule's findings here.
    const denials = async (object: PersistentVolumeClaim, old: PersistentVolumeClaim) =>
      (await run(object, old)).denials.filter((f) => f.ruleId === id).map((f) => `${f.error.path} ${f.error.type} [${f.ruleId}]`);
    const bound = (claim: PersistentVolumeClaim, phase = "Bound") => ({ ...claim, status: { phase, capacity: { storage: "10G" } } }) as PersistentVolumeClaim;

    it("lets a bound claim's storage request change, not a pending one's (only bound claims may resize)", async () => {
      const old = claim({ accessModes: modes, resources: requests("10G"), volumeName: "pv-1" });
      const grown = claim({ accessModes: modes, resources: requests("20G"), volumeName: "pv-1" });
      expect(await denials(bound(grown), bound(old))).toEqual([]);
      expect(await denials(bound(grown, "Pending"), bound(old, "Pending"))).toEqual([forbiddenSpec]);
      // An old claim without status (a manifest read offline) leaves the request to the API server.
      expect(await denials(grown, old)).toEqual([]);
    });

    it("compares the rest of resources as quantities, and forbids a changed limit or another request", async () => {
      const old = bound(claim({ accessModes: modes, resources: { requests: { storage: "10G" }, limits: { storage: "1Gi" } }, volumeName: "pv-1" }));
      const same = bound(claim({ accessModes: modes, resources: { requests: { storage: "10G" }, limits: { storage: "1024Mi" } }, volumeName: "pv-1" }));
      const changed = bound(claim({ accessModes: modes, resources: { requests: { storage: "10G" }, limits: { storage: "2Gi" } }, volumeName: "pv-1" }));
      expect(await denials(same, old)).toEqual([]);
      expect(await denials(changed, old)).toEqual([forbiddenSpec]);
    });

    it("lets volumeAttributesClassName change, but never from a class back to none or to an empty one", async () => {
      const withClass = (volumeAttributesClassName?: string) =>
        bound(claim({ accessModes: modes, resources: requests("10G"), volumeName: "pv-1", ...(volumeAttributesClassName === undefined ? {} : { volumeAttributesClassName }) }));
      const attributesClass = `spec.volumeAttributesClassName Forbidden [${id}]`;
      expect(await denials(withClass("gold"), withClass())).toEqual([]);
      expect(await denials(withClass("silver"), withClass("gold"))).toEqual([]);
      expect(await denials(withClass(), withClass("gold"))).toEqual([attributesClass]);
      expect(await denials(withClass(""), withClass("gold"))).toEqual([attributesClass]);
    });
  });
});
