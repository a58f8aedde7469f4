import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import type { CheckReport } from "../../src/cli/check.js";
import { formatGithub } from "../../src/cli/output/github.js";
import { rules } from "../../src/rules/index.js";
import { cli, repoRoot } from "./io.js";
import { sarifProblems } from "../sarif.js";

const broken = "examples/broken";

describe("text output", () => {
  it("is file:line: action: object: finding [rule], plain when not on a terminal", async () => {
    const { stdout } = await cli(["check", `${broken}/missing-service.yaml`], { isTTY: false });
    expect(stdout).toBe(
      `${broken}/missing-service.yaml:9: warn: StatefulSet default/queue: spec.serviceName: Not found: "queue-headless": ` +
        'no Service "queue-headless" in namespace "default"; create it headless (clusterIP: None), selecting the pods [statefulset-headless-service]\n' +
        `${broken}/missing-service.yaml:18: warn: StatefulSet default/queue: spec.template.spec.affinity.podAntiAffinity: Required value: ` +
        "3 replicas may run on one node and fail together; add anti-affinity or a topologySpreadConstraint on kubernetes.io/hostname [statefulset-spread]\n" +
        `${broken}/missing-service.yaml:16: warn: StatefulSet default/queue: spec.template.metadata.labels: Not found: {"app":"queue"}: ` +
        'no PodDisruptionBudget in namespace "default" selects the pods; a drain may evict several of the 3 replicas at once [statefulset-disruption-budget]\n' +
        "1 object checked in 1 file, none denied, 3 warnings\n",
    );
  });

  it("is coloured on a terminal unless NO_COLOR is set", async () => {
    const file = `${broken}/selector-mismatch.yaml`;
    const tty = await cli(["check", file], { isTTY: true });
    expect(tty.stdout).toContain("\u001b[31mdeny\u001b[0m");
    const noColor = await cli(["check", file], { isTTY: true, env: { NO_COLOR: "1" } });
    expect(noColor.stdout).not.toContain("\u001b[");
  });
});

describe("JSON output", () => {
  it("holds a summary and every object with its located findings", async () => {
    const { code, stdout } = await cli(["check", "-o", "json", `${broken}/removed-api-version.yaml`]);
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.version).toBe(1);
    expect(report.summary).toEqual({ files: 1, objects: 1, denied: 1, denials: 2, warnings: 2, exempted: 0, errors: 0 });
    expect(report.objects).toEqual([
      {
        file: `${broken}/removed-api-version.yaml`,
        line: 5,
        apiVersion: "apps/v1beta1",
        kind: "StatefulSet",
        namespace: "default",
        name: "legacy",
        denied: true,
        findings: [
          {
            ruleId: "statefulset-api-version",
            action: "deny",
            path: "apiVersion",
            type: "Unsupported value",
            message:
              'apiVersion: Unsupported value: "apps/v1beta1": supported values: "apps/v1"; apps/v1beta1 is no longer served since Kubernetes 1.16; change apiVersion to apps/v1',
            line: 5,
          },
          {
            ruleId: "statefulset-selector",
            action: "deny",
            path: "spec.selector",
            type: "Required value",
            message: expect.stringMatching(/^spec\.selector: Required value: /),
            line: 9,
          },
          {
            ruleId: "statefulset-spread",
            action: "warn",
            path: "spec.template.spec.affinity.podAntiAffinity",
            type: "Required value",
            message: expect.stringMatching(/^spec\.template\.spec\.affinity\.podAntiAffinity: Required value: 2 replicas /),
            line: 16,
          },
          {
            ruleId: "statefulset-disruption-budget",
            action: "warn",
            path: "spec.template.metadata.labels",
            type: "Not found",
            message: expect.stringMatching(/^spec\.template\.metadata\.labels: Not found: \{"app":"legacy"\}: no PodDisruptionBudget /),
            line: 14,
          },
        ],
        exempted: [],
      },
    ]);
    expect(report.notes).toEqual([]);
    expect(report.errors).toEqual([]);
  });
});

describe("SARIF output", () => {
  it("is a SARIF 2.1.0 log with the registry's rules and located results", async () => {
    const { code, stdout } = await cli(["check", "--output=sarif", broken]);
    expect(code).toBe(1);
    const log = JSON.parse(stdout);
    expect(sarifProblems(log)).toEqual([]);
    expect(log.version).toBe("2.1.0");
    expect(log.$schema).toBe("https://json.schemastore.org/sarif-2.1.0.json");
    const run = log.runs[0];
    expect(run.tool.driver.name).toBe("stateward");
    const ids = run.tool.driver.rules.map((r: { id: string }) => r.id);
    expect(ids).toEqual([...rules.map((r) => r.id), "statefulset-api-version", "object-decoding", "exemption-annotation"]);
    const selector = rules.find((r) => r.id === "statefulset-selector")!;
    expect(run.tool.driver.rules[ids.indexOf("statefulset-selector")]).toEqual({
      id: "statefulset-selector",
      shortDescription: { text: selector.summary },
      fullDescription: { text: selector.rationale },
      help: { text: selector.fix },
      defaultConfiguration: { level: "error" },
    });
    expect(run.results).toHaveLength(19);
    const missing = run.results.find((r: { ruleId: string; message: { text: string } }) => r.ruleId === "statefulset-headless-service" && r.message.text.includes("queue"));
    expect(missing).toEqual({
      ruleId: "statefulset-headless-service",
      ruleIndex: ids.indexOf("statefulset-headless-service"),
      level: "warning",
      message: { text: expect.stringContaining('StatefulSet default/queue: spec.serviceName: Not found: "queue-headless"') },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: `${broken}/missing-service.yaml`, uriBaseId: "%SRCROOT%" },
            region: { startLine: 9 },
          },
        },
      ],
    });
    expect(run.results.filter((r: { level: string }) => r.level === "error")).toHaveLength(7);
    for (const result of run.results) expect(ids[result.ruleIndex]).toBe(result.ruleId);
    expect(run.invocations[0].executionSuccessful).toBe(true);
    expect(run.originalUriBaseIds["%SRCROOT%"].uri).toBe(`${pathToFileURL(repoRoot).href}/`);
  });

  it("locates files relative to the repository root, from a subdirectory or by absolute path", async () => {
    const file = path.join(repoRoot, broken, "missing-service.yaml");
    for (const [cwd, argument] of [[path.join(repoRoot, broken), "missing-service.yaml"], [repoRoot, file]] as const) {
      const run = JSON.parse((await cli(["check", "--output=sarif", argument], { cwd })).stdout).runs[0];
      expect(run.results[0].locations[0].physicalLocation.artifactLocation).toEqual({
        uri: `${broken}/missing-service.yaml`,
        uriBaseId: "%SRCROOT%",
      });
    }
  });

  it("reports unreadable input as a failed invocation with a notification", async () => {
    const { code, stdout, stderr } = await cli(["check", "--output=sarif", "-"], { stdin: "kind: [unclosed\n" });
    expect(code).toBe(2);
    expect(sarifProblems(JSON.parse(stdout))).toEqual([]);
    const run = JSON.parse(stdout).runs[0];
    expect(run.invocations[0].executionSuccessful).toBe(false);
    expect(run.invocations[0].toolExecutionNotifications[0]).toMatchObject({
      level: "error",
      message: { text: expect.stringContaining("YAML syntax error") },
    });
    // Standard input is no file of the repository: nothing for code scanning to point at.
    expect(run.invocations[0].toolExecutionNotifications[0].locations).toEqual([]);
    expect(stderr).toContain("<stdin>:");
  });
});

describe("GitHub Actions output", () => {
  it("is one workflow command per finding (::error for a denial, ::warning for a warning, title the rule), then the summary", async () => {
    const { code, stdout, stderr } = await cli(["check", "-o", "github", `${broken}/missing-service.yaml`, `${broken}/selector-mismatch.yaml`]);
    expect({ code, stderr }).toEqual({ code: 1, stderr: "" });
    expect(stdout.split("\n")).toEqual([
      `::warning file=${broken}/missing-service.yaml,line=9,title=statefulset-headless-service::StatefulSet default/queue: spec.serviceName: Not found: "queue-headless": ` +
        'no Service "queue-headless" in namespace "default"; create it headless (clusterIP: None), selecting the pods',
      `::warning file=${broken}/missing-service.yaml,line=18,title=statefulset-spread::StatefulSet default/queue: spec.template.spec.affinity.podAntiAffinity: Required value: ` +
        "3 replicas may run on one node and fail together; add anti-affinity or a topologySpreadConstraint on kubernetes.io/hostname",
      `::warning file=${broken}/missing-service.yaml,line=16,title=statefulset-disruption-budget::StatefulSet default/queue: spec.template.metadata.labels: Not found: {"app":"queue"}: ` +
        'no PodDisruptionBudget in namespace "default" selects the pods; a drain may evict several of the 3 replicas at once',
      `::error file=${broken}/selector-mismatch.yaml,line=30,title=statefulset-selector::StatefulSet default/cache: spec.template.metadata.labels: Invalid value: {"app":"redis"}: ` +
        "`selector` does not match template `labels`; give the template every label the selector requires",
      `::warning file=${broken}/selector-mismatch.yaml,line=23,title=statefulset-headless-service::StatefulSet default/cache: spec.serviceName: Invalid value: "cache": ` +
        'Service "cache" selector {"app":"cache"} does not select the pod labels; pods get no DNS records',
      `::warning file=${broken}/selector-mismatch.yaml,line=32,title=statefulset-spread::StatefulSet default/cache: spec.template.spec.affinity.podAntiAffinity: Required value: ` +
        "3 replicas may run on one node and fail together; add anti-affinity or a topologySpreadConstraint on kubernetes.io/hostname",
      `::warning file=${broken}/selector-mismatch.yaml,line=30,title=statefulset-disruption-budget::StatefulSet default/cache: spec.template.metadata.labels: Not found: {"app":"redis"}: ` +
        'no PodDisruptionBudget in namespace "default" selects the pods; a drain may evict several of the 3 replicas at once',
      "2 objects checked in 2 files, 1 denied, 6 warnings",
      "",
    ]);
  });

  it("names files from the repository root, escapes , and % in them, and gives what it passed over as ::notice", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "stateward-github-"));
    for (const sub of [".git", "deploy", "chart/templates"]) mkdirSync(path.join(dir, sub), { recursive: true });
    writeFileSync(path.join(dir, "deploy", "db,prod%.yaml"), readFileSync(path.join(repoRoot, broken, "selector-mismatch.yaml")));
    writeFileSync(path.join(dir, "chart/templates/db.yaml"), "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: {{ .Release.Name }}-db\n");
    const { code, stdout } = await cli(["check", "-o", "github", "deploy", "chart"], { cwd: dir });
    expect(code).toBe(1);
    expect(stdout.split("\n")).toEqual([
      expect.stringMatching(/^::error file=deploy\/db%2Cprod%25\.yaml,line=30,title=statefulset-selector::StatefulSet default\/cache: spec\.template\.metadata\.labels: Invalid value: /),
      expect.stringMatching(/^::warning file=deploy\/db%2Cprod%25\.yaml,line=23,title=statefulset-headless-service::StatefulSet default\/cache: /),
      expect.stringMatching(/^::warning file=deploy\/db%2Cprod%25\.yaml,line=32,title=statefulset-spread::StatefulSet default\/cache: /),
      expect.stringMatching(/^::warning file=deploy\/db%2Cprod%25\.yaml,line=30,title=statefulset-disruption-budget::StatefulSet default\/cache: /),
      "::notice file=chart/templates/db.yaml,line=4::skipped a Go template ({{ }} on line 4), not a manifest: check what it renders to: helm template CHART | stateward check -",
      "1 object checked in 1 file, 1 denied, 3 warnings",
      "",
    ]);
    // From a subdirectory the files are still named from the repository root, as the runner resolves them.
    const inside = await cli(["check", "-o", "github", "db,prod%.yaml"], { cwd: path.join(dir, "deploy") });
    expect(inside.stdout.split("\n")[0]).toMatch(/^::error file=deploy\/db%2Cprod%25\.yaml,line=30,/);
  });

  it("escapes %, CR and LF in messages, and : and , in properties, as the Actions runner reads them", () => {
    const report: CheckReport = {
      files: ["a:b,c.yaml"],
      objects: [
        {
          file: "a:b,c.yaml",
          line: 1,
          kind: "StatefulSet",
          apiVersion: "apps/v1",
          namespace: "db",
          name: "pg",
          findings: [{ ruleId: "statefulset-spread", action: "warn", path: "spec", type: "Invalid value", message: "spec: Invalid value: 100%\r\nof pods, on\none node", line: 7 }],
        },
      ],
      notes: [],
      errors: [{ file: "<stdin>", message: "YAML syntax error:\n  kind: [\n        ^" }],
      configuration: [],
    };
    expect(formatGithub(report, { cwd: "/repo", root: "/repo" }).split("\n")).toEqual([
      "::error::YAML syntax error:%0A  kind: [%0A        ^",
      "::warning file=a%3Ab%2Cc.yaml,line=7,title=statefulset-spread::StatefulSet db/pg: spec: Invalid value: 100%25%0D%0Aof pods, on%0Aone node",
      "1 object checked in 1 file, none denied, 1 warning, 1 input error",
      "",
    ]);
  });

  it("gives unreadable input as an ::error annotation on standard output and exits 2", async () => {
    const { code, stdout, stderr } = await cli(["check", "-o", "github", "-"], { stdin: "kind: [unclosed\n" });
    expect({ code, stderr }).toEqual({ code: 2, stderr: "" });
    expect(stdout.split("\n")).toEqual([expect.stringMatching(/^::error::YAML syntax error: /), "0 objects checked in 0 files, none denied, 0 warnings, 1 input error", ""]);
  });
});

describe("a policy that cannot be used", () => {
  const scratchPolicy = (text: string) => {
    const dir = mkdtempSync(path.join(tmpdir(), "stateward-policy-"));
    mkdirSync(path.join(dir, ".git"));
    writeFileSync(path.join(dir, "policy.yaml"), text);
    return dir;
  };
  const unknownRule = "rules:\n  storage-class: {action: warn}\n  storage-clas: {action: warn}\n";
  const problem = "invalid policy: rules: unknown field(s) storage-clas (did you mean storage-class?)";

  it("still yields a whole SARIF log for the upload: a failed invocation whose configuration notification points at the line", async () => {
    const dir = scratchPolicy(unknownRule);
    const { code, stdout, stderr } = await cli(["check", "-o", "sarif", "--policy", "policy.yaml", path.join(repoRoot, broken)], { cwd: dir });
    expect(code).toBe(2);
    expect(stderr).toBe(`policy.yaml:3: error: ${problem}\n`);
    const log = JSON.parse(stdout);
    expect(sarifProblems(log)).toEqual([]);
    expect(log.runs[0].results).toEqual([]);
    expect(log.runs[0].invocations).toEqual([
      {
        executionSuccessful: false,
        exitCode: 2,
        toolExecutionNotifications: [],
        toolConfigurationNotifications: [
          {
            level: "error",
            message: { text: problem },
            locations: [{ physicalLocation: { artifactLocation: { uri: "policy.yaml", uriBaseId: "%SRCROOT%" }, region: { startLine: 3 } } }],
          },
        ],
      },
    ]);
  });

  it("still yields a JSON document with the problems in errors[]", async () => {
    const dir = scratchPolicy(unknownRule);
    const { code, stdout, stderr } = await cli(["check", "-o", "json", "--policy", "policy.yaml", path.join(repoRoot, broken)], { cwd: dir });
    expect(code).toBe(2);
    expect(stderr).toBe(`policy.yaml:3: error: ${problem}\n`);
    expect(JSON.parse(stdout)).toEqual({
      version: 1,
      summary: { files: 0, objects: 0, denied: 0, denials: 0, warnings: 0, exempted: 0, errors: 1 },
      objects: [],
      notes: [],
      errors: [{ file: "policy.yaml", line: 3, message: problem }],
    });
  });

  it("is the only message of a text run, on standard error", async () => {
    const dir = scratchPolicy(unknownRule);
    const { code, stdout, stderr } = await cli(["check", "--policy", "policy.yaml", path.join(repoRoot, broken)], { cwd: dir });
    expect({ code, stdout, stderr }).toEqual({ code: 2, stdout: "", stderr: `policy.yaml:3: error: ${problem}\n` });
  });

  it("covers a missing policy file and one that is no YAML", async () => {
    const dir = scratchPolicy("rules: {storage-class: [\n");
    const missing = await cli(["check", "-o", "json", "--policy", "nowhere.yaml", "."], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout).errors).toEqual([{ file: "nowhere.yaml", message: "cannot read policy: no such file or directory" }]);
    const syntax = await cli(["check", "-o", "sarif", "--policy", "policy.yaml", "."], { cwd: dir });
    expect(syntax.code).toBe(2);
    const log = JSON.parse(syntax.stdout);
    expect(sarifProblems(log)).toEqual([]);
    expect(log.runs[0].invocations[0].toolConfigurationNotifications[0].message.text).toMatch(/^invalid policy: <root>: not valid YAML or JSON: /);
  });
});
