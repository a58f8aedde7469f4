/** A repository holding a Helm chart beside plain manifests: `check .` passes over the templates, `--exclude` over more. */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { templateLine } from "../../src/cli/template.js";
import { sarifProblems } from "../sarif.js";
import { cli, findingLines } from "./io.js";

const chartStatefulSet = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {{ include "db.fullname" . }}
  labels:
    {{- include "db.labels" . | nindent 4 }}
spec:
  serviceName: {{ include "db.fullname" . }}-headless
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels:
      {{- include "db.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "db.selectorLabels" . | nindent 8 }}
    spec:
      containers:
        - name: db
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
`;

const chartService = `{{- if .Values.service.enabled }}
apiVersion: v1
kind: Service
metadata:
  name: "{{ .Release.Name }}-headless"
spec:
  clusterIP: None
{{- end }}
`;

/** A plain StatefulSet whose annotation holds a Vault agent template: `{{ }}` as data in a block scalar. */
const vaultStatefulSet = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: cache
spec:
  serviceName: cache
  selector:
    matchLabels: {app: cache}
  template:
    metadata:
      labels: {app: cache}
      annotations:
        vault.hashicorp.com/agent-inject-template-config: |
          {{- with secret "secret/data/cache" -}}
          password={{ .Data.data.password }}
          {{- end }}
    spec:
      containers:
        - name: cache
          image: redis:7
          readinessProbe: {tcpSocket: {port: 6379}}
---
apiVersion: v1
kind: Service
metadata:
  name: cache
spec:
  clusterIP: None
  selector: {app: cache}
`;

async function repository(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "stateward-chart-"));
  await mkdir(path.join(dir, "chart/templates"), { recursive: true });
  await mkdir(path.join(dir, "k8s"));
  const files: Record<string, string> = {
    "chart/Chart.yaml": "apiVersion: v2\nname: db\nversion: 0.1.0\n",
    "chart/values.yaml": "replicas: 3\nservice:\n  enabled: true\nimage: {repository: postgres, tag: '16'}\n",
    "chart/templates/_helpers.tpl": '{{- define "db.fullname" -}}{{ .Release.Name }}-db{{- end }}\n',
    "chart/templates/statefulset.yaml": chartStatefulSet,
    "chart/templates/service.yaml": chartService,
    "k8s/cache.yaml": vaultStatefulSet,
  };
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

const skippedNote = (file: string, line: number) =>
  `${file}:${line}: note: skipped a Go template ({{ }} on line ${line}), not a manifest: check what it renders to: helm template chart | stateward check -`;

describe("templated files", () => {
  it("are passed over by a directory walk with a note naming the chart to render; the run does not fail", async () => {
    const dir = await repository();
    const { code, stdout, stderr } = await cli(["check", "."], { cwd: dir });
    expect(stderr).toBe("");
    expect(stdout).not.toContain("error");
    expect(stdout).toContain(skippedNote("chart/templates/service.yaml", 1));
    expect(stdout).toContain(skippedNote("chart/templates/statefulset.yaml", 4));
    // The plain manifest with a Vault template in a block scalar is checked, and checks clean but for the spread.
    expect(findingLines(stdout)).toEqual([]);
    expect(stdout).toMatch(/^1 object checked in 3 files, none denied, 0 warnings$/m);
    expect(code).toBe(0);
  });

  it("are notes, not errors, in JSON and SARIF", async () => {
    const dir = await repository();
    const json = await cli(["check", "-o", "json", "."], { cwd: dir });
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report.errors).toEqual([]);
    expect(report.notes).toContainEqual({
      file: "chart/templates/statefulset.yaml",
      line: 4,
      message: "skipped a Go template ({{ }} on line 4), not a manifest: check what it renders to: helm template chart | stateward check -",
    });
    const sarif = await cli(["check", "-o", "sarif", "."], { cwd: dir });
    expect(sarif.code).toBe(0);
    const log = JSON.parse(sarif.stdout);
    expect(sarifProblems(log)).toEqual([]);
    const [invocation] = log.runs[0].invocations;
    expect(invocation.executionSuccessful).toBe(true);
    const notes = invocation.toolExecutionNotifications.filter((n: { message: { text: string } }) => n.message.text.startsWith("skipped a Go template"));
    expect(notes.map((n: { level: string }) => n.level)).toEqual(["note", "note"]);
  });

  it("named on the command line is read as written, with a note that it is a template", async () => {
    const dir = await repository();
    const { code, stdout } = await cli(["check", "chart/templates/statefulset.yaml"], { cwd: dir });
    expect(stdout).toContain(
      "chart/templates/statefulset.yaml:4: note: a Go template ({{ }} on line 4), not a manifest, checked as written; check what it renders to: helm template CHART | stateward check -",
    );
    expect(stdout).toMatch(/^chart\/templates\/statefulset\.yaml:\d+: error: YAML syntax error/m);
    expect(code).toBe(2);
  });

  it("are passed over by mutate too", async () => {
    const dir = await repository();
    const { code, stderr } = await cli(["mutate", "chart"], { cwd: dir });
    expect(code).toBe(0);
    expect(stderr).toContain("chart/templates/service.yaml:1: note: skipped a Go template");
  });
});

describe("--exclude", () => {
  it("passes over the paths it matches, relative to the working directory, files and whole directories", async () => {
    const dir = await repository();
    for (const glob of ["chart/**", "chart", "chart/", "./chart", "templates", "**/templates/*.yaml"]) {
      const { code, stdout } = await cli(["check", "--exclude", glob, "."], { cwd: dir });
      expect(stdout, glob).not.toContain("Go template");
      expect(code, glob).toBe(0);
    }
    // Excluding everything checks nothing: an input error, unless --allow-empty says it is expected.
    const both = await cli(["check", "--exclude", "chart", "--exclude", "k8s/*.yaml", "."], { cwd: dir });
    expect(both.code).toBe(2);
    expect(both.stdout).toBe(
      ".: error: nothing to check: no .yaml, .yml or .json file left after --exclude; pass --allow-empty if that is expected\n" +
        "0 objects checked in 0 files, none denied, 0 warnings, 1 input error\n",
    );
    const allowed = await cli(["check", "--allow-empty", "--exclude", "chart", "--exclude", "k8s/*.yaml", "."], { cwd: dir });
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toBe("0 objects checked in 0 files, none denied, 0 warnings\n");
  });

  it("matches as the report shows paths: relative to the working directory, not to the argument", async () => {
    const dir = await repository();
    const relativeToArgument = await cli(["check", "--exclude", "templates/*.yaml", "chart"], { cwd: dir });
    expect(relativeToArgument.stdout).toContain("skipped a Go template");
    const relativeToCwd = await cli(["check", "--exclude", "chart/templates/*.yaml", "chart"], { cwd: dir });
    expect(relativeToCwd.stdout).not.toContain("skipped a Go template");
  });

  it("never drops a file named on the command line", async () => {
    const dir = await repository();
    const { stdout } = await cli(["check", "--exclude", "*.yaml", "k8s/cache.yaml", "chart"], { cwd: dir });
    expect(stdout).toMatch(/^1 object checked in 1 file,/m);
  });

  it("wants a glob", async () => {
    const { code, stderr } = await cli(["check", "--exclude=", "."]);
    expect(code).toBe(2);
    expect(stderr).toContain("--exclude takes a glob");
  });
});

describe("templateLine", () => {
  it("finds an action outside block scalars only", () => {
    expect(templateLine("kind: Service\nmetadata:\n  name: {{ .Release.Name }}\n")).toBe(3);
    expect(templateLine("{{- if .Values.x }}\nkind: Service\n{{- end }}\n")).toBe(1);
    expect(templateLine('metadata:\n  name: "{{ .Release.Name }}-db"\n')).toBe(2);
    expect(templateLine("data:\n  alert: |\n    {{ $labels.instance }} is down\n  other: x\n")).toBeUndefined();
    expect(templateLine("data:\n  - >-\n    {{ .x }}\n")).toBeUndefined();
    expect(templateLine("data:\n  alert: |\n    {{ $labels.instance }}\nname: {{ .x }}\n")).toBe(4);
    expect(templateLine("kind: ConfigMap\ndata:\n  a: '{'\n")).toBeUndefined();
  });
});
