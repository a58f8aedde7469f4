/**
 * Per-object exemptions (`stateward.dev/ignore-<rule-id>: "<reason>"`) in `stateward check` (text, JSON, SARIF),
 * `stateward audit` (PolicyReports validated against the CRD) and `stateward policy lint`; the webhook's cases are in
 * test/http/exemption-scenarios.ts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { validateXML } from "xmllint-wasm";
import { parseAllDocuments } from "yaml";
import { expectValidReports } from "../audit/crd.js";
import { sarifProblems } from "../sarif.js";
import { cli, repoRoot } from "./io.js";

/** The queue of examples/broken/missing-service.yaml (three warnings), without a selector (a denial), annotated. */
const manifest = (annotations: string) => `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: queue
  namespace: jobs
  uid: uid-queue
  annotations:
${annotations}
spec:
  serviceName: queue-headless
  replicas: 3
  template:
    metadata:
      labels:
        app: queue
    spec:
      containers:
        - name: rabbitmq
          image: rabbitmq:3.13
          readinessProbe:
            exec:
              command: ["rabbitmq-diagnostics", "-q", "check_running"]
`;

const exempting = [
  '    stateward.dev/ignore-statefulset-selector: "the operator sets the selector on apply"',
  '    stateward.dev/ignore-statefulset-spread: "a single-node test cluster"',
].join("\n");

let dir: string;
const file = (name: string, text: string) => {
  const at = path.join(dir, name);
  writeFileSync(at, text);
  return at;
};

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "stateward-exemption-"));
});

describe("stateward check with exemption annotations", () => {
  it("text: the exempted findings are gone and the summary counts them", async () => {
    const at = file("exempt.yaml", manifest(exempting));
    const { code, stdout } = await cli(["check", at]);
    expect(code).toBe(0);
    expect(stdout).not.toContain("[statefulset-selector]");
    expect(stdout).not.toContain("[statefulset-spread]");
    expect(stdout).toContain("[statefulset-headless-service]");
    expect(stdout.trimEnd().split("\n").at(-1)).toBe("1 object checked in 1 file, none denied, 2 warnings, 2 findings exempted by annotations");
  });

  it("JSON: each exempted finding with its line, annotation and reason, and the count in the summary", async () => {
    const at = file("exempt.yaml", manifest(exempting));
    const { stdout } = await cli(["check", "-o", "json", at]);
    const report = JSON.parse(stdout);
    expect(report.summary).toMatchObject({ denied: 0, denials: 0, warnings: 2, exempted: 2 });
    const [object] = report.objects;
    expect(object.denied).toBe(false);
    expect(object.findings.map((f: { ruleId: string }) => f.ruleId)).toEqual(["statefulset-headless-service", "statefulset-disruption-budget"]);
    expect(object.exempted).toEqual([
      {
        ruleId: "statefulset-selector",
        action: "deny",
        path: "spec.selector",
        type: "Required value",
        message: expect.stringMatching(/^spec\.selector: Required value: /),
        line: 10,
        exemption: { annotation: "stateward.dev/ignore-statefulset-selector", reason: "the operator sets the selector on apply" },
      },
      {
        ruleId: "statefulset-spread",
        action: "warn",
        path: "spec.template.spec.affinity.podAntiAffinity",
        type: "Required value",
        message: expect.stringMatching(/^spec\.template\.spec\.affinity\.podAntiAffinity: Required value: 3 replicas/),
        line: 17,
        exemption: { annotation: "stateward.dev/ignore-statefulset-spread", reason: "a single-node test cluster" },
      },
    ]);
  });

  it("SARIF: an exempted finding is a result with an inSource suppression whose justification is the reason", async () => {
    file("exempt.yaml", manifest(exempting));
    // From the folder itself, which is its own root: code scanning wants locations relative to it.
    const { code, stdout } = await cli(["check", "-o", "sarif", "exempt.yaml"], { cwd: dir });
    expect(code).toBe(0);
    const log = JSON.parse(stdout);
    expect(sarifProblems(log)).toEqual([]);
    const results = log.runs[0].results as { ruleId: string; level: string; suppressions?: unknown[] }[];
    expect(results.find((r) => r.ruleId === "statefulset-selector")).toMatchObject({
      level: "error",
      suppressions: [{ kind: "inSource", status: "accepted", justification: "stateward.dev/ignore-statefulset-selector: the operator sets the selector on apply" }],
    });
    expect(results.find((r) => r.ruleId === "statefulset-headless-service")?.suppressions).toBeUndefined();
  });

  it("JUnit: an exempted rule is a skipped case whose message is the annotation and its reason", async () => {
    const at = file("exempt.yaml", manifest(exempting));
    const { code, stdout } = await cli(["check", "-o", "junit", at]);
    expect(code).toBe(0);
    const schema = { fileName: "junit-10.xsd", contents: readFileSync(path.join(repoRoot, "test/fixtures/junit/junit-10.xsd"), "utf8") };
    const validated = await validateXML({ xml: [{ fileName: "report.xml", contents: stdout }], schema: [schema] });
    expect(validated.errors.map((e) => e.rawMessage)).toEqual([]);
    expect(stdout).toMatch(
      /<testcase [^>]*name="StatefulSet jobs\/queue \[statefulset-spread\]"[^>]*>\s*<skipped message="exempted by annotation stateward.dev\/ignore-statefulset-spread: a single-node test cluster"/,
    );
  });

  it("refuses an annotation without a reason, naming it, at its line, and exempts nothing", async () => {
    const at = file("no-reason.yaml", manifest('    stateward.dev/ignore-statefulset-selector: ""'));
    const { code, stdout } = await cli(["check", at]);
    expect(code).toBe(1);
    expect(stdout).toContain(
      `${at}:8: deny: StatefulSet jobs/queue: metadata.annotations[stateward.dev/ignore-statefulset-selector]: Required value: an exemption needs its reason ` +
        `as the annotation's value, e.g. stateward.dev/ignore-statefulset-selector: "why this object may ignore the rule" [exemption-annotation]`,
    );
    expect(stdout).toContain("[statefulset-selector]");
    expect(stdout).not.toContain("exempted");
  });

  it("says the list form stateward.dev/ignore is not read, and which annotations to write instead", async () => {
    const at = file("list-form.yaml", manifest("    stateward.dev/ignore: statefulset-selector, statefulset-spread"));
    const { code, stdout } = await cli(["check", at]);
    expect(code).toBe(1);
    expect(stdout).toContain(
      `${at}:8: warn: StatefulSet jobs/queue: metadata.annotations[stateward.dev/ignore]: Invalid value: "statefulset-selector, statefulset-spread": exempts nothing: ` +
        'write one annotation per rule with its reason, stateward.dev/ignore-statefulset-selector: "<reason>", stateward.dev/ignore-statefulset-spread: "<reason>" [exemption-annotation]',
    );
    expect(stdout).toContain("[statefulset-selector]");
  });

  it("with a policy that forbids exempting deny rules, the annotation on a deny rule is a denial naming the setting", async () => {
    const at = file("exempt.yaml", manifest(exempting));
    const policy = file("policy.yaml", "exemptions:\n  denyRules: false\n");
    const { code, stdout } = await cli(["check", "--policy", policy, at]);
    expect(code).toBe(1);
    expect(stdout).toContain(
      `${at}:8: deny: StatefulSet jobs/queue: metadata.annotations[stateward.dev/ignore-statefulset-selector]: Forbidden: statefulset-selector denies in this ` +
        "namespace and the policy forbids exempting an object from a deny rule (exemptions.denyRules: false) [exemption-annotation]",
    );
    expect(stdout).toContain("[statefulset-selector]");
    expect(stdout).not.toContain("[statefulset-spread]");
    expect(stdout.trimEnd().split("\n").at(-1)).toBe("1 object checked in 1 file, 1 denied, 2 warnings, 1 finding exempted by annotations");
  });

  it("policy lint accepts exemptions.denyRules as a boolean and refuses anything else, as serve does", async () => {
    expect((await cli(["policy", "lint", file("ok.yaml", "exemptions:\n  denyRules: false\n")])).code).toBe(0);
    const wrong = await cli(["policy", "lint", file("wrong.yaml", "exemptions:\n  denyRules: no-thanks\n")]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stdout + wrong.stderr).toContain("exemptions.denyRules");
    const typo = await cli(["policy", "lint", file("typo.yaml", "exemptions:\n  denyRule: false\n")]);
    expect(typo.stdout + typo.stderr).toContain("did you mean denyRules?");
  });
});

describe("stateward audit with exemption annotations", () => {
  it("reports an exempted rule as a skip result with the annotation and reason, valid against the CRD", async () => {
    const at = file("list.yaml", manifest(exempting));
    const { code, stdout, stderr } = await cli(["audit", at]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const reports = parseAllDocuments(stdout).map((d) => d.toJS());
    expectValidReports(reports);
    const results = reports.flatMap((r) => r.results) as { policy: string; result: string; message: string; properties?: Record<string, string> }[];
    expect(results.find((r) => r.policy === "statefulset-selector")).toMatchObject({
      result: "skip",
      message: "exempted by annotation stateward.dev/ignore-statefulset-selector: the operator sets the selector on apply (1 finding exempted)",
      properties: { annotation: "stateward.dev/ignore-statefulset-selector", reason: "the operator sets the selector on apply", exemptedFindings: "1" },
    });
    expect(results.filter((r) => r.policy === "statefulset-spread").map((r) => r.result)).toEqual(["skip"]);
    expect(results.filter((r) => r.policy === "statefulset-headless-service").map((r) => r.result)).toEqual(["warn"]);
    expect(reports[0].summary.skip).toBe(2);
    expect(reports[0].summary.fail).toBe(0);
  });

  it("-o json lists the exempted findings as check does", async () => {
    const at = file("list.yaml", manifest(exempting));
    const { stdout } = await cli(["audit", "-o", "json", at]);
    expect(JSON.parse(stdout).objects[0].exempted.map((f: { ruleId: string }) => f.ruleId)).toEqual(["statefulset-selector", "statefulset-spread"]);
  });
});
