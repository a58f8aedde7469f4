/**
 * The webhook's warnings arrive: the API server cuts a warning past 256 characters and drops every warning past 4,096
 * characters per request (k8s.io/apiserver filters/warning.go). These tests pin the grouping, the order and the budget.
 */
import { describe, expect, it } from "vitest";
import { reviewAdmission } from "../../src/admission/handler.js";
import {
  mutateWarningBudget,
  mutationWarnings,
  validateWarningBudget,
  validationWarnings,
  withinBudget,
} from "../../src/admission/warnings.js";
import { type ClusterView, emptyClusterView, memoryClusterView } from "../../src/cluster/view.js";
import type { FieldChange } from "../../src/engine/change.js";
import { annotationChangeBy } from "../../src/engine/mutate.js";
import { maxWarningLength } from "../../src/engine/finding.js";
import type { AdmissionRequest } from "../../src/k8s/admission.js";
import { FieldPath } from "../../src/k8s/field.js";
import { buildPolicy } from "../../src/policy/policy.js";

const closingLine = /^and (\d+) more: run stateward check$/;

/** A StatefulSet of 20 containers, none with a readinessProbe, each mounting a volume that does not exist. */
function crowdedStatefulSet(annotations: Record<string, string> = {}) {
  const containers = Array.from({ length: 20 }, (_, i) => ({
    name: i === 0 ? "app" : `sidecar-${i}`,
    image: "nginx",
    volumeMounts: [
      { name: "data", mountPath: "/data" },
      { name: "cache", mountPath: "/cache" },
    ],
  }));
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "db", namespace: "shop", annotations },
    spec: {
      replicas: 3,
      serviceName: "db",
      selector: { matchLabels: { app: "db" } },
      template: { metadata: { labels: { app: "db" } }, spec: { containers, terminationGracePeriodSeconds: 0 } },
      volumeClaimTemplates: [
        { metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Gi" } } } },
      ],
    },
  };
}

function request(object: unknown): AdmissionRequest {
  return {
    uid: "u-1",
    kind: { group: "apps", version: "v1", kind: "StatefulSet" },
    resource: { group: "apps", version: "v1", resource: "statefulsets" },
    operation: "CREATE",
    namespace: "shop",
    object,
  } as AdmissionRequest;
}

async function validateWarnings(object: unknown, policyDocument: unknown, cluster: ClusterView) {
  const outcome = await reviewAdmission(request(object), "validate", { policy: buildPolicy(policyDocument), cluster });
  return { warnings: outcome.response.warnings ?? [], findings: outcome.findings };
}

const total = (lines: readonly string[]) => lines.reduce((sum, line) => sum + line.length, 0);

describe("the warnings of /validate", () => {
  it("keep a crowded StatefulSet's warnings within the budget, most important first, and count what is left out", async () => {
    // 25 annotation keys the API server refuses, reported as warnings by this policy: with the 20 containers' findings
    // far more text than the budget holds.
    const annotations = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`bad key ${i}`, "x"]));
    const policy = { rules: { "statefulset-api-validation": { action: "warn" }, "statefulset-volume-mounts": { action: "warn" } } };
    const { warnings, findings } = await validateWarnings(crowdedStatefulSet(annotations), policy, emptyClusterView());

    expect(findings.length).toBeGreaterThan(60);
    for (const warning of warnings) expect(warning.length).toBeLessThan(maxWarningLength);
    expect(total(warnings)).toBeLessThanOrEqual(validateWarningBudget);

    const closing = closingLine.exec(warnings.at(-1)!);
    expect(closing).not.toBeNull();
    const shown = warnings.slice(0, -1);

    // The check that could not run comes first; then what will not work as written; advice goes last.
    expect(shown.slice(0, 2)).toEqual([
      'spec.serviceName: could not verify Service "db": no cluster view is configured [statefulset-headless-service]',
      "spec.template.metadata.labels: could not verify PodDisruptionBudgets: no cluster view is configured [statefulset-disruption-budget]",
    ]);
    expect(shown[2]).toMatch(/^spec\.template\.spec\.containers\[\*\]\.volumeMounts\[\*\]\.name: Not found: "cache": /);
    expect(shown[2]).toContain('(volumeMounts "app/cache", "sidecar-1/cache", "sidecar-2/cache" and 17 more) [statefulset-volume-mounts]');
    expect(shown[3]).toMatch(/^spec\.volumeClaimTemplates\[0\]\.spec\.storageClassName: .*\[storage-class\]$/);
    expect(shown.slice(4).every((line) => line.endsWith("[statefulset-api-validation]"))).toBe(true);
    expect(warnings.join("\n")).not.toContain("[statefulset-readiness-probe]");
    // What is left out is counted in findings: all but the two could-not-verify, the 20 mounts', the class's and each
    // shown annotation's.
    expect(Number(closing![1])).toBe(findings.length - 2 - 20 - 1 - (shown.length - 4));
  });

  it("give one warning per rule and field pattern, naming the containers, where it all fits", async () => {
    const cluster = memoryClusterView({
      services: [{ namespace: "shop", name: "db", clusterIP: "10.0.0.1", selector: { app: "db" } }],
      storageClasses: [{ name: "standard", provisioner: "x", allowVolumeExpansion: true, isDefault: true }],
    });
    const object = crowdedStatefulSet();
    for (const container of object.spec.template.spec.containers) container.volumeMounts.pop();
    const { warnings, findings } = await validateWarnings(object, {}, cluster);

    expect(findings.filter((f) => f.ruleId === "statefulset-readiness-probe")).toHaveLength(20);
    expect(warnings.filter((w) => w.endsWith("[statefulset-readiness-probe]"))).toEqual([
      'spec.template.spec.containers[*].readinessProbe: Required value: the container is Ready once started, so ordered start and rollouts do not wait for it (containers "app", "sidecar-1", "sidecar-2" and 17 more) [statefulset-readiness-probe]',
    ]);
    // The Service finding precedes the probe advice; nothing was left out, so there is no closing line.
    const index = (rule: string) => warnings.findIndex((w) => w.endsWith(`[${rule}]`));
    expect(index("statefulset-headless-service")).toBeLessThan(index("statefulset-readiness-probe"));
    expect(warnings.some((w) => closingLine.test(w))).toBe(false);
    expect(total(warnings)).toBeLessThan(1_000);
  });
});

describe("withinBudget", () => {
  const lines = (n: number, length: number) =>
    Array.from({ length: n }, (_, i) => ({ text: `${i}`.padEnd(length, "x"), count: 2 }));

  it("keeps everything that fits, without a closing line", () => {
    expect(withinBudget(lines(10, 100), 1_000, "run stateward check")).toHaveLength(10);
  });

  it("keeps lines in order while they and the closing line fit, and counts what each left-out line stands for", () => {
    const kept = withinBudget(lines(11, 100), 1_000, "run stateward check");
    expect(kept).toHaveLength(10);
    expect(kept.slice(0, -1).map((l) => l[0])).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8"]);
    expect(kept.at(-1)).toBe("and 4 more: run stateward check");
    expect(total(kept)).toBeLessThanOrEqual(1_000);
  });

  it("stops at the first line that does not fit, so a shorter, less important one never overtakes it", () => {
    const kept = withinBudget(
      [
        { text: "a".repeat(50), count: 1 },
        { text: "b".repeat(80), count: 1 },
        { text: "c".repeat(5), count: 1 },
      ],
      100,
      "run stateward check",
    );
    expect(kept).toEqual(["a".repeat(50), "and 2 more: run stateward check"]);
  });
});

describe("the warnings of /mutate", () => {
  it("report skipped defaults before changes, within the budget", () => {
    const labels = FieldPath.root("spec", "template", "metadata", "labels");
    const changes: FieldChange[] = Array.from({ length: 40 }, (_, i) => ({ path: labels.key(`label-${i}`), value: "some-value", by: "default-labels" }));
    const record = { path: FieldPath.root("metadata", "annotations").key("stateward.dev/defaulted"), value: "default-labels", by: annotationChangeBy };
    const warnings = mutationWarnings(["default-storage-class skipped: the claim template is immutable"], [...changes, record]);
    expect(warnings[0]).toBe("default-storage-class skipped: the claim template is immutable");
    expect(warnings[1]).toBe('set spec.template.metadata.labels[label-0] to "some-value" [default-labels]');
    expect(warnings.at(-1)).toMatch(/^and \d+ more: run stateward mutate$/);
    expect(total(warnings)).toBeLessThanOrEqual(mutateWarningBudget);
    const leftOut = Number(/\d+/.exec(warnings.at(-1)!)![0]);
    expect(warnings.length - 1 + leftOut).toBe(41);
  });

  it("cut a warning longer than the API server passes", () => {
    const [warning] = mutationWarnings([`x skipped: ${"y".repeat(400)}`], []);
    expect(warning).toHaveLength(maxWarningLength);
    expect(warning!.endsWith("...")).toBe(true);
  });
});

describe("validationWarnings", () => {
  it("cuts a long detail, never the item names or the rule id", () => {
    const detail = "z".repeat(400);
    const finding = (i: number) => ({
      ruleId: "statefulset-volume-mounts",
      action: "warn" as const,
      error: {
        path: pathOf(i),
        type: "Required value" as const,
        detail,
      },
    });
    const object = { spec: { template: { spec: { containers: [{ name: "a" }, { name: "b" }] } } } };
    const [warning] = validationWarnings([finding(0), finding(1)], object);
    expect(warning!.length).toBeLessThanOrEqual(maxWarningLength);
    expect(warning!.endsWith('... (containers "a", "b") [statefulset-volume-mounts]')).toBe(true);
  });

  it("names items by index when the list's items have no name", () => {
    const finding = (i: number) => ({
      ruleId: "statefulset-volume-mounts",
      action: "warn" as const,
      error: { path: pathOf(i), type: "Required value" as const, detail: "missing" },
    });
    const [warning] = validationWarnings([finding(0), finding(1)], { spec: { template: { spec: { containers: [{}, {}] } } } });
    expect(warning).toBe('spec.template.spec.containers[*].readinessProbe: Required value: missing (containers "[0]", "[1]") [statefulset-volume-mounts]');
  });
});

function pathOf(i: number): FieldPath {
  return FieldPath.root("spec", "template", "spec", "containers").index(i).child("readinessProbe");
}

describe("grouping findings alike", () => {
  const image = (i: number) => FieldPath.root("spec", "template", "spec", "containers").index(i).child("image");
  const object = { spec: { template: { spec: { containers: [{ name: "a" }, { name: "b" }, { name: "c" }] } } } };
  const finding = (i: number, value: string) => ({
    ruleId: "statefulset-spread",
    action: "warn" as const,
    error: { path: image(i), type: "Invalid value" as const, value, detail: "not pinned" },
  });

  it("tells apart values that render alike: a message cuts a value at 64 characters", () => {
    const long = (last: string) => `registry.example.com/${"team/".repeat(10)}app:${last}`;
    const warnings = validationWarnings([finding(0, long("1")), finding(1, long("2")), finding(2, long("1"))], object);
    expect(warnings).toEqual([
      expect.stringMatching(/^spec\.template\.spec\.containers\[\*\]\.image: Invalid value: "registry.+\.\.\.: not pinned \(containers "a", "c"\) \[statefulset-spread\]$/),
      expect.stringMatching(/^spec\.template\.spec\.containers\[1\]\.image: Invalid value: "registry.+\.\.\.: not pinned \[statefulset-spread\]$/),
    ]);
  });

  it("tells apart a field of list items from a map key that renders the same", () => {
    const byIndex = { ruleId: "statefulset-spread", action: "warn" as const, error: { path: FieldPath.root("spec", "list").index(0), type: "Required value" as const, detail: "missing" } };
    const byKey = { ...byIndex, error: { ...byIndex.error, path: FieldPath.root("spec", "list").key("*") } };
    expect(validationWarnings([byIndex, byKey], {})).toEqual(["spec.list[0]: Required value: missing [statefulset-spread]", "spec.list[*]: Required value: missing [statefulset-spread]"]);
  });
});
