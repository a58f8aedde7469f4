/**
 * What `exportVap` makes of a policy document: actions as validationActions, namespace overrides and exemptions as
 * namespace selectors and match conditions, parameters as CEL literals; and the rendered YAML validated against the
 * admissionregistration.k8s.io/v1 schema (kubernetes-models) and by `kubectl apply --dry-run=client`.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { celExportOf, exportVap, notExportedReason, renderVapExport } from "../../src/export/vap.js";
import { PolicyError } from "../../src/policy/policy.js";
import { rules } from "../../src/rules/index.js";
import { type FakeApiServer, startFakeApiServer } from "../docs/fake-apiserver.js";
import { type K8sObject, validateWithModel } from "../k8s/render.js";
import { runProcess } from "../pack/process.js";

type Obj = Record<string, any>;
const objectsOf = (document: unknown): Obj[] =>
  parseAllDocuments(renderVapExport(exportVap(document)))
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null);
const named = (objects: Obj[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const binding = (objects: Obj[], name: string) => named(objects, "ValidatingAdmissionPolicyBinding", name);
const policy = (objects: Obj[], name: string) => named(objects, "ValidatingAdmissionPolicy", name);

describe("export vap", () => {
  it("says for every rule whether it is exported, and why not", () => {
    for (const rule of rules) {
      expect(Boolean(celExportOf(rule)) !== Boolean(notExportedReason(rule)), rule.id).toBe(true);
    }
    const { exported, skipped } = exportVap(undefined);
    expect(exported.length + skipped.length).toBe(rules.length);
  });

  it("maps deny to Deny and warn to Warn, each with Audit, and leaves kube-system out by default", () => {
    const objects = objectsOf(undefined);
    expect(binding(objects, "stateward-storage-request")?.spec.validationActions).toEqual(["Deny", "Audit"]);
    expect(binding(objects, "stateward-statefulset-readiness-probe")?.spec.validationActions).toEqual(["Warn", "Audit"]);
    expect(binding(objects, "stateward-storage-request")?.spec.matchResources.namespaceSelector.matchExpressions).toEqual([
      { key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["kube-system"] },
    ]);
    const vap = policy(objects, "stateward-storage-request")!;
    expect(vap.spec.matchConstraints.resourceRules.map((r: Obj) => r.resources[0])).toEqual(["statefulsets", "persistentvolumeclaims"]);
    expect(vap.spec.matchConditions).toEqual([
      { name: "not-exempted-by-annotation", expression: `object.metadata.?annotations[?"stateward.dev/ignore-storage-request"].orValue('').trim() == ''` },
    ]);
    for (const validation of vap.spec.validations) expect(validation.messageExpression).toMatch(/^"storage-request: " \+ /);
  });

  it("turns off a rule, and gives namespaces whose setting differs a policy of their own", () => {
    const objects = objectsOf({
      rules: { "statefulset-readiness-probe": { action: "off" }, "storage-request": { max: "100Gi" } },
      namespaces: {
        dev: { rules: { "storage-request": { action: "warn" }, "statefulset-readiness-probe": { action: "warn" } } },
        prod: { rules: { "storage-request": { max: "100Gi" } } },
      },
      exemptions: { namespaces: ["kube-system", "tools"] },
    });
    // Off at the top level, on in dev only.
    expect(policy(objects, "stateward-statefulset-readiness-probe")).toBeUndefined();
    expect(binding(objects, "stateward-statefulset-readiness-probe-scope-1")?.spec.matchResources.namespaceSelector.matchExpressions).toEqual([
      { key: "kubernetes.io/metadata.name", operator: "In", values: ["dev"] },
    ]);
    // prod's setting is the top level's, so prod stays under the top-level binding.
    expect(binding(objects, "stateward-storage-request")?.spec.matchResources.namespaceSelector.matchExpressions).toEqual([
      { key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["kube-system", "tools", "dev"] },
    ]);
    expect(binding(objects, "stateward-storage-request-scope-1")?.spec.validationActions).toEqual(["Warn", "Audit"]);
    // The policy's maximum became a literal.
    expect(JSON.stringify(policy(objects, "stateward-storage-request")!.spec.validations)).toContain('quantity(\\"100Gi\\")');
  });

  it("says exempt users and groups as match conditions, and drops the annotation where deny rules cannot be exempted", () => {
    const objects = objectsOf({ exemptions: { users: ["ci-bot"], groups: ["system:masters"], denyRules: false } });
    const denying = policy(objects, "stateward-storage-request")!;
    expect(denying.spec.matchConditions.map((c: Obj) => c.name)).toEqual(["user-not-exempt", "groups-not-exempt"]);
    expect(denying.spec.matchConditions[0].expression).toBe('!(request.userInfo.username in ["ci-bot"])');
    const warning = policy(objects, "stateward-statefulset-readiness-probe")!;
    expect(warning.spec.matchConditions.map((c: Obj) => c.name)).toEqual(["not-exempted-by-annotation", "user-not-exempt", "groups-not-exempt"]);
  });

  it("refuses an invalid policy as every loader does", () => {
    expect(() => exportVap({ rules: { "storage-request": { max: "lots" } } })).toThrow(PolicyError);
  });

  it("writes a comment per policy naming the rule, what the webhook still does and the estimated cost", () => {
    const text = renderVapExport(exportVap(undefined));
    for (const id of exportVap(undefined).exported) {
      expect(text).toMatch(new RegExp(`^# ${id} \\((deny|warn)`, "m"));
    }
    expect(text).toMatch(/^# Estimated cost: /m);
    for (const { ruleId } of exportVap(undefined).skipped) expect(text).toMatch(new RegExp(`^#   ${ruleId}: `, "m"));
  });
});

describe.each([
  ["the built-in defaults", undefined],
  ["a policy with overrides and exemptions", { rules: { "storage-request": { min: "1Gi" } }, namespaces: { dev: { rules: { "storage-access-modes": { action: "warn" } } } }, exemptions: { users: ["ci"] } }],
])("the YAML exported under %s", (_, document) => {
  const text = renderVapExport(exportVap(document));

  it("validates against the admissionregistration.k8s.io/v1 schema (kubernetes-models)", () => {
    const objects = objectsOf(document);
    expect(objects.length).toBeGreaterThan(4);
    for (const object of objects) validateWithModel(object as K8sObject, "export vap");
  });

  const kubectl = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" });
  describe.skipIf(kubectl.status !== 0)("with kubectl (skipped where kubectl is not installed; .ci/run installs it)", () => {
    let fake: FakeApiServer | undefined;
    let dir: string;
    beforeAll(async () => {
      fake = await startFakeApiServer();
      dir = await mkdtemp(join(tmpdir(), "stateward-vap-"));
      await writeFile(join(dir, "kubeconfig"), fake.kubeconfig);
    });
    afterAll(async () => {
      await fake?.close();
    });

    it("is accepted by kubectl apply --dry-run=client --validate=false (discovery from a fake API server)", async () => {
      const result = await runProcess("kubectl", ["apply", "--dry-run=client", "--validate=false", "-f", "-"], {
        cwd: dir,
        input: text,
        env: { ...process.env, KUBECONFIG: join(dir, "kubeconfig") },
      });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const lines = result.stdout.trim().split("\n");
      expect(lines).toHaveLength(objectsOf(document).length);
      for (const line of lines) expect(line).toMatch(/^validatingadmissionpolic(y|ybinding)\.admissionregistration\.k8s\.io\/stateward-\S+ created \(dry run\)$/);
    });
  });
});
