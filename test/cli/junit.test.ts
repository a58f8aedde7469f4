/**
 * `stateward check -o junit`, validated by xmllint (libxml2 compiled to WebAssembly, the npm package xmllint-wasm)
 * against the JUnit schema the Jenkins xUnit plugin uses (test/fixtures/junit/junit-10.xsd, see its README).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { validateXML } from "xmllint-wasm";
import type { CheckReport } from "../../src/cli/check.js";
import { formatJunit } from "../../src/cli/output/junit.js";
import { buildPolicy } from "../../src/policy/policy.js";
import { activeRules } from "../../src/engine/validate.js";
import { cli, repoRoot } from "./io.js";

const schema = { fileName: "junit-10.xsd", contents: readFileSync(path.join(repoRoot, "test/fixtures/junit/junit-10.xsd"), "utf8") };

/** xmllint's complaints about a document (its well-formedness, then the schema): none for a valid one. */
async function schemaProblems(xml: string): Promise<string[]> {
  const result = await validateXML({ xml: [{ fileName: "report.xml", contents: xml }], schema: [schema] });
  return result.errors.map((e) => e.rawMessage);
}

const broken = "examples/broken";

describe("JUnit output", () => {
  it("is valid against the JUnit schema, and the schema refuses what it should (the test can fail)", async () => {
    const { code, stdout } = await cli(["check", "-o", "junit", broken]);
    expect(code).toBe(1);
    expect(await schemaProblems(stdout)).toEqual([]);
    expect(await schemaProblems(stdout.replace(/(<testsuite name[^>]*?) failures="\d+"/, "$1"))).toEqual([expect.stringContaining("The attribute 'failures' is required but missing")]);
    expect(await schemaProblems(stdout.replace("<testcase ", '<testcase line="3" '))).toEqual([expect.stringContaining("The attribute 'line' is not allowed")]);
  });

  it("is a testsuite per file and a testcase per object and rule that ran: a denial fails, a warning passes with its finding in system-out", async () => {
    const file = `${broken}/selector-mismatch.yaml`;
    const { stdout } = await cli(["check", "-o", "junit", file]);
    // The rules the default policy runs on a StatefulSet's CREATE (not those of UPDATE alone), in the registry's order.
    const ran = activeRules(buildPolicy({}).forNamespace("default"), "StatefulSet", "CREATE").map(({ rule }) => rule.id);
    expect(ran.length).toBeGreaterThan(10);
    const lines = stdout.split("\n");
    expect(lines.slice(0, 3)).toEqual([
      '<?xml version="1.0" encoding="UTF-8"?>',
      `<testsuites name="stateward" tests="${ran.length}" failures="1" errors="0">`,
      `  <testsuite name="${file}" tests="${ran.length}" failures="1" errors="0" skipped="0" file="${file}">`,
    ]);
    const names = [...stdout.matchAll(/<testcase name="([^"]+)" classname="([^"]+)"/g)].map((m) => [m[1], m[2]]);
    expect(names).toEqual(ran.map((id) => [`StatefulSet default/cache [${id}]`, `${broken}/selector-mismatch`]));
    const selector = lines.indexOf(`    <testcase name="StatefulSet default/cache [statefulset-selector]" classname="${broken}/selector-mismatch">`);
    expect(lines.slice(selector + 1, selector + 3)).toEqual([
      '      <failure type="Invalid value" message="spec.template.metadata.labels: Invalid value: {&quot;app&quot;:&quot;redis&quot;}: `selector` does not match template `labels`; give the template every label the selector requires">' +
        `${file}:30: deny: spec.template.metadata.labels: Invalid value: {"app":"redis"}: \`selector\` does not match template \`labels\`; give the template every label the selector requires</failure>`,
      "    </testcase>",
    ]);
    const spread = lines.indexOf(`    <testcase name="StatefulSet default/cache [statefulset-spread]" classname="${broken}/selector-mismatch">`);
    expect(lines[spread + 1]).toBe(
      `      <system-out>${file}:32: warn: spec.template.spec.affinity.podAntiAffinity: Required value: 3 replicas may run on one node and fail together; add anti-affinity or a topologySpreadConstraint on kubernetes.io/hostname</system-out>`,
    );
    expect(lines).toContain(`    <testcase name="StatefulSet default/cache [statefulset-name]" classname="${broken}/selector-mismatch"/>`);
  });

  it("makes warnings failures only with --warnings-as-errors, as the exit code", async () => {
    const file = `${broken}/missing-service.yaml`;
    const plain = await cli(["check", "-o", "junit", file]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).not.toContain("<failure");
    const strict = await cli(["check", "-o", "junit", "--warnings-as-errors", file]);
    expect(strict.code).toBe(1);
    // One test case per rule the built-in policy runs on the file's one StatefulSet: the registry says how many.
    const cases = activeRules(buildPolicy({}).forNamespace("default"), "StatefulSet", "CREATE").length;
    expect(strict.stdout).toContain(`<testsuites name="stateward" tests="${cases}" failures="3" errors="0">`);
    expect(strict.stdout).toContain(`<failure type="Not found" message="spec.serviceName: Not found: &quot;queue-headless&quot;: `);
    expect(await schemaProblems(strict.stdout)).toEqual([]);
  });

  it("gives unreadable input and a broken policy as errors, and what it passed over as skipped, still valid", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "stateward-junit-"));
    mkdirSync(path.join(dir, "chart/templates"), { recursive: true });
    writeFileSync(path.join(dir, "chart/templates/db.yaml"), "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: {{ .Release.Name }}-db\n");
    writeFileSync(path.join(dir, "bad.yaml"), "kind: [unclosed\n");
    const input = await cli(["check", "-o", "junit", "chart", "bad.yaml"], { cwd: dir });
    expect(input.code).toBe(2);
    expect(await schemaProblems(input.stdout)).toEqual([]);
    expect(input.stdout).toContain('<testsuite name="bad.yaml" tests="1" failures="0" errors="1" skipped="0" file="bad.yaml">');
    expect(input.stdout).toMatch(/<testcase name="input error" classname="bad">\n {6}<error type="input error" message="YAML syntax error: [^"]*">bad\.yaml:2: error: YAML syntax error: /);
    expect(input.stdout).toContain(
      '<testcase name="chart/templates/db.yaml:4: skipped a Go template ({{ }} on line 4), not a manifest: check what it renders to: helm template CHART | stateward check -" classname="chart/templates/db">\n' +
        '      <skipped message="skipped a Go template ({{ }} on line 4), not a manifest: check what it renders to: helm template CHART | stateward check -"/>',
    );
    writeFileSync(path.join(dir, "policy.yaml"), "rules:\n  storage-clas: {action: warn}\n");
    const policy = await cli(["check", "-o", "junit", "--policy", "policy.yaml", "chart"], { cwd: dir });
    expect(policy.code).toBe(2);
    expect(await schemaProblems(policy.stdout)).toEqual([]);
    expect(policy.stdout).toContain('<testsuites name="stateward" tests="1" failures="0" errors="1">');
    expect(policy.stdout).toContain('<error type="policy error" message="invalid policy: rules: unknown field(s) storage-clas (did you mean storage-class?)">policy.yaml:2: error: ');
  });

  it("escapes markup, quotes, line breaks and characters XML cannot hold, and stays valid", async () => {
    const file = 'a&b<c>"d".yaml';
    const report: CheckReport = {
      files: [file],
      objects: [
        {
          file,
          line: 1,
          kind: "StatefulSet",
          apiVersion: "apps/v1",
          namespace: "db",
          name: "pg",
          findings: [{ ruleId: "statefulset-spread", action: "deny", path: "spec", type: "Invalid value", message: 'x < y && "z" > w\nnext\ttab\u0001 ]]> \uD800', line: 7 }],
        },
      ],
      notes: [],
      errors: [],
      configuration: [],
    };
    const xml = formatJunit(report, { policy: buildPolicy({}), warningsAsErrors: false });
    expect(await schemaProblems(xml)).toEqual([]);
    expect(xml).toContain('<testsuite name="a&amp;b&lt;c&gt;&quot;d&quot;.yaml"');
    expect(xml).toContain('classname="a&amp;b&lt;c&gt;&quot;d&quot;"');
    expect(xml).toContain(
      '<failure type="Invalid value" message="x &lt; y &amp;&amp; &quot;z&quot; &gt; w&#10;next&#9;tab\\u0001 ]]&gt; \\ud800">' +
        'a&amp;b&lt;c&gt;"d".yaml:7: deny: x &lt; y &amp;&amp; "z" &gt; w\nnext\ttab\\u0001 ]]&gt; \\ud800</failure>',
    );
  });
});
