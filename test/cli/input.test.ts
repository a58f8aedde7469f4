import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { cli, findingLines } from "./io.js";

const statefulSet = (name: string, serviceName: string) => `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: ${name}
spec:
  serviceName: ${serviceName}
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
        - name: app
          image: nginx:1.25
          readinessProbe:
            tcpSocket:
              port: 80
`;

async function scratch(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(`${tmpdir()}/stateward-cli-`);
  for (const [name, text] of Object.entries(files)) await writeFile(`${dir}/${name}`, text);
  return dir;
}

describe("inputs", () => {
  it("reads standard input for -", async () => {
    const { code, stdout } = await cli(["check", "-"], { stdin: statefulSet("db", "db-headless") });
    expect(code).toBe(0);
    expect(findingLines(stdout)).toEqual(["<stdin>:6 statefulset-headless-service warn"]);
    expect(stdout).toContain('<stdin>:6: warn: StatefulSet default/db: spec.serviceName: Not found: "db-headless"');
  });

  it("reports a YAML syntax error with file and line and goes on with the other file", async () => {
    const dir = await scratch({
      "a-broken.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n  labels: {app: [oops}\n",
      "b-good.yaml": statefulSet("db", "db"),
    });
    const { code, stdout } = await cli(["check", dir], { cwd: dir });
    expect(code).toBe(2);
    expect(stdout).toMatch(/^a-broken\.yaml:5: error: YAML syntax error: /m);
    // The good file is still checked; the broken one's Service is not part of the cluster view.
    expect(findingLines(stdout)).toEqual(["b-good.yaml:6 statefulset-headless-service warn"]);
    expect(stdout).toContain("1 object checked in 1 file, none denied, 0 warnings".replace("0 warnings", "1 warning"));
  });

  it("checks the items of a List, and the List's Services count as the cluster", async () => {
    const list = {
      apiVersion: "v1",
      kind: "List",
      items: [
        { apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { clusterIP: "None", selector: { app: "web" } } },
        {
          apiVersion: "apps/v1",
          kind: "StatefulSet",
          metadata: { name: "web", namespace: "shop" },
          spec: { serviceName: "web", selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "other" } } } },
        },
      ],
    };
    const dir = await scratch({ "list.json": JSON.stringify(list, null, 2) });
    const { code, stdout } = await cli(["check", "-o", "json", "list.json"], { cwd: dir });
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.objects.map((o: { kind: string; namespace: string; name: string; line: number }) => [o.kind, o.namespace, o.name, o.line])).toEqual([
      ["StatefulSet", "shop", "web", 18],
    ]);
    const findings = report.objects[0].findings.map((f: { ruleId: string; line: number; path: string }) => [f.ruleId, f.path, f.line]);
    expect(findings).toContainEqual(["statefulset-selector", "spec.template.metadata.labels", 34]);
    // The Service is in namespace default, the StatefulSet in shop: not the same Service.
    expect(findings).toContainEqual(["statefulset-headless-service", "spec.serviceName", 26]);
  });

  it("skips a document without kind with a note, and passes over kinds it does not review", async () => {
    const text = `# nothing here\nmetadata:\n  name: orphan\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n---\n${statefulSet("db", "db")}---\n`;
    const { code, stdout } = await cli(["check", "-"], { stdin: text });
    expect(code).toBe(0);
    expect(stdout).toContain("<stdin>:2: note: skipped a document without kind");
    expect(stdout).toContain("1 object checked in 1 file");
  });

  it("does not take another group's StatefulSet for apps/v1, and reports apiVersion v1", async () => {
    const kruise = statefulSet("kruise", "kruise").replace("apps/v1", "apps.kruise.io/v1beta1");
    const core = statefulSet("core", "core").replace("apps/v1", "v1");
    const { code, stdout } = await cli(["check", "-"], { stdin: `${kruise}---\n${core}` });
    expect(code).toBe(1);
    expect(findingLines(stdout)).toEqual(["<stdin>:22 statefulset-api-version deny", "<stdin>:27 statefulset-headless-service warn"]);
    expect(stdout).toContain('apiVersion: Unsupported value: "v1": supported values: "apps/v1"; change apiVersion to apps/v1');
  });

  it("never crashes on hostile documents", async () => {
    const text = [
      "just a string",
      "- a\n- list",
      "kind: StatefulSet\napiVersion: apps/v1\nspec: 42",
      "kind: StatefulSet\napiVersion: apps/v1\nmetadata: {name: x}\nspec:\n  template:\n    spec:\n      containers: {}",
      "kind: List\nitems: [1, {kind: PersistentVolumeClaim, apiVersion: v1, spec: {accessModes: 3}}]",
      "a: &a [*a]",
    ].join("\n---\n");
    const { code, stdout } = await cli(["check", "-"], { stdin: text });
    expect([1, 2]).toContain(code);
    expect(stdout).toContain("object-decoding");
    expect(stdout).toMatch(/objects? checked/);
  });

  it("reads a directory recursively, .yaml .yml and .json only", async () => {
    const dir = await scratch({ "a.yml": statefulSet("a", "a-svc"), "b.txt": statefulSet("b", "b-svc"), "c.json": "{}" });
    const { code, stdout } = await cli(["check", "."], { cwd: dir });
    expect(code).toBe(0);
    expect(findingLines(stdout)).toEqual(["a.yml:6 statefulset-headless-service warn"]);
    expect(stdout).toContain("1 object checked in 2 files");
  });
});

describe("a __proto__ key in a manifest", () => {
  const claim = (labels: string) =>
    `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\n  labels:\n${labels}spec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Gi\n`;
  const refused = 'metadata.labels.__proto__: Forbidden: a "__proto__" key is not accepted (it is no Kubernetes field, label or annotation key)';

  it("is an input error at its line, as the webhook refuses the body, and the other objects are still checked", async () => {
    // Plain block YAML (the one-pass reader) and flow YAML (the yaml package), a string and a map under the key.
    const dir = await scratch({
      "a.yaml": claim("    __proto__: x\n"),
      "b.yaml": claim("    app: db\n    __proto__: {a: 1}\n"),
      "c.yaml": statefulSet("db", "db").replace("      labels:\n        app: db\n", "      labels: {app: db, __proto__: {a: 1}}\n"),
      "d.yaml": statefulSet("ok", "ok"),
    });
    const { code, stdout } = await cli(["check", dir], { cwd: dir });
    expect(stdout).toContain(`a.yaml:6: error: ${refused}`);
    expect(stdout).toContain(`b.yaml:7: error: ${refused}`);
    expect(stdout).toContain("c.yaml:12: error: spec.template.metadata.labels.__proto__: Forbidden");
    expect(stdout).toMatch(/^1 object checked in 4 files, none denied, 1 warning, 3 input errors$/m);
    expect(code).toBe(2);
    const mutated = await cli(["mutate", `${dir}/a.yaml`], { cwd: dir });
    expect(mutated.code).toBe(2);
    expect(mutated.stderr).toContain(`a.yaml:6: error: ${refused}`);
  });
});
