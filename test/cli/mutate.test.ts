import { readFile } from "node:fs/promises";
import { applyPatch } from "rfc6902";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { cli } from "./io.js";

const seeds = "test/fixtures/seeds";
const docs = (text: string) => parseAllDocuments(text) as unknown as { toJS(): unknown }[];

describe("stateward mutate", () => {
  it("prints YAML that parses to what the webhook's patch makes of each object", async () => {
    const file = `${seeds}/001-web.yaml`;
    const original = docs(await readFile(file, "utf8")).map((d) => d.toJS());
    const yaml = await cli(["mutate", file]);
    const patches = await cli(["mutate", "--patch", file]);
    expect(yaml.code).toBe(0);
    expect(patches.code).toBe(0);
    const [patch] = JSON.parse(patches.stdout) as { kind: string; name: string; patch: never[] }[];
    expect(patch).toMatchObject({ kind: "StatefulSet", name: "web", line: 17 });
    const expected = structuredClone(original[1]);
    expect(applyPatch(expected, patch!.patch).every((e) => e === null)).toBe(true);
    const mutated = docs(yaml.stdout).map((d) => d.toJS());
    expect(mutated).toHaveLength(2);
    expect(mutated[0]).toEqual(original[0]); // the Service passes through
    expect(mutated[1]).toEqual(expected);
    expect(mutated[1]).not.toEqual(original[1]);
    // What changed is told on standard error, one line per change, so standard output stays pure YAML.
    expect(yaml.stderr).toMatch(/^test\/fixtures\/seeds\/001-web\.yaml:17: StatefulSet default\/web: set spec\..* \[default-[a-z-]+\]$/m);
  });

  it("keeps comments, key order and the file's sequence indentation", async () => {
    const { stdout } = await cli(["mutate", `${seeds}/001-web.yaml`]);
    expect(stdout.startsWith("# From seed 001_9d27548c07f15e49.txt: headless Service")).toBe(true);
    expect(stdout).toContain("      app: nginx # has to match .spec.template.metadata.labels\n");
    expect(stdout).toContain('storageClassName: "gluster-heketi"  # must name a class that exists in the cluster\n');
    expect(stdout).toContain("spec:\n  ports:\n  - port: 80\n    name: web\n  clusterIP: None\n");
    // The user's own grace period is kept: it differs from the built-in default, so the user set it.
    expect(stdout).toContain("terminationGracePeriodSeconds: 10\n");
    const keys = Object.keys((docs(stdout)[1]!.toJS() as { spec: object }).spec);
    expect(keys.slice(0, 5)).toEqual(["selector", "serviceName", "replicas", "template", "volumeClaimTemplates"]);
  });

  it("changes nothing the second time", async () => {
    const first = await cli(["mutate", `${seeds}/002-mysql.yaml`]);
    const second = await cli(["mutate", "-"], { stdin: first.stdout });
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toBe("");
    const patches = await cli(["mutate", "--patch", "-"], { stdin: first.stdout });
    expect(JSON.parse(patches.stdout)).toMatchObject([{ kind: "StatefulSet", name: "mysql", patch: [], changes: [] }]);
  });

  it("returns files without anything to default byte for byte", async () => {
    const file = `${seeds}/000-web-pv.yaml`;
    const { code, stdout } = await cli(["mutate", file]);
    expect(code).toBe(0);
    expect(stdout).toBe(await readFile(file, "utf8"));
  });

  it("applies the policy's defaults, as the webhook does", async () => {
    const { mkdtemp, writeFile } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const dir = await mkdtemp(`${tmpdir()}/stateward-`);
    await writeFile(`${dir}/policy.yaml`, "defaults:\n  default-termination-grace:\n    seconds: 60\n  annotate: false\n");
    const { stdout } = await cli(["mutate", "--policy", `${dir}/policy.yaml`, `${seeds}/002-mysql.yaml`]);
    const mysql = docs(stdout)[0]!.toJS() as { metadata: { annotations?: object }; spec: { template: { spec: { terminationGracePeriodSeconds: number } } } };
    expect(mysql.spec.template.spec.terminationGracePeriodSeconds).toBe(60);
    expect(mysql.metadata.annotations).toBeUndefined();
  });

  it("says on standard error which default it skipped and why, and leaves the object as it was", async () => {
    const { mkdtemp, writeFile } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const dir = await mkdtemp(`${tmpdir()}/stateward-`);
    await writeFile(`${dir}/policy.yaml`, "defaults:\n  default-labels:\n    labels: {tier: web}\n");
    const manifest = (await readFile(`${seeds}/002-mysql.yaml`, "utf8")).replace(
      "matchLabels:\n      app: mysql",
      "matchLabels:\n      app: mysql\n    matchExpressions: [{key: tier, operator: DoesNotExist}]",
    );
    expect(manifest).toContain("DoesNotExist");
    await writeFile(`${dir}/mysql.yaml`, manifest);
    const { stdout, stderr } = await cli(["mutate", "--policy", `${dir}/policy.yaml`, `${dir}/mysql.yaml`]);
    const mysql = docs(stdout)[0]!.toJS() as { spec: { template: { metadata: { labels: object } } } };
    expect(mysql.spec.template.metadata.labels).toEqual({ app: "mysql" });
    expect(stderr).toMatch(/StatefulSet "mysql": default-labels skipped: the API server would reject the result: spec\.template\.metadata\.labels: .*`selector` does not match template `labels`/);
  });

  it("patches the items of a List in place and leaves removed API versions alone", async () => {
    const list = `apiVersion: v1
kind: List
items:
  # the claim
  - apiVersion: v1
    kind: PersistentVolumeClaim
    metadata:
      name: data
    spec:
      resources:
        requests:
          storage: 1Gi
  - apiVersion: apps/v1beta1
    kind: StatefulSet
    metadata:
      name: old
    spec: {}
`;
    const { code, stdout, stderr } = await cli(["mutate", "-"], { stdin: list });
    expect(code).toBe(0);
    expect(stdout).toContain("  # the claim\n");
    const [object] = docs(stdout).map((d) => d.toJS()) as { items: Record<string, unknown>[] }[];
    expect(object!.items[0]).toMatchObject({ kind: "PersistentVolumeClaim", spec: { accessModes: ["ReadWriteOnce"] } });
    expect(object!.items[1]).toEqual({ apiVersion: "apps/v1beta1", kind: "StatefulSet", metadata: { name: "old" }, spec: {} });
    expect(stderr).toContain('<stdin>:13: note: left StatefulSet "old" unchanged: apiVersion "apps/v1beta1": apps/v1beta1 is no longer served since Kubernetes 1.16; change apiVersion to apps/v1\n');
  });

  it("edits the YAML from the defaults' changes: an aliased map is copied where it changes, every other line kept", async () => {
    const { mkdtemp, writeFile } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const dir = await mkdtemp(`${tmpdir()}/stateward-`);
    await writeFile(`${dir}/policy.yaml`, [
        "defaults:",
        "  default-labels: {labels: {tier: web}}",
        "  default-update-strategy: {partition: 2}",
        "  default-termination-grace: {enabled: false}",
        "  default-pod-management-policy: {enabled: false}",
        "  default-retention-policy: {enabled: false}",
        "  annotate: false",
        "",
      ].join("\n"));
    const manifest = `# the database
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
  labels: &labels
    app: db # shared
spec:
  serviceName: db # headless
  selector:
    matchLabels: *labels
  updateStrategy:
    type: RollingUpdate # as the API server would
    rollingUpdate:
      partition: 0 # canary later
  template:
    metadata:
      labels: *labels
    spec:
      containers:
        - name: db
          image: postgres:16
`;
    const { code, stdout, stderr } = await cli(["mutate", "--policy", `${dir}/policy.yaml`, "-"], { stdin: manifest });
    expect(code).toBe(0);
    // Before, a patch through the alias could not be applied to the tree, and the whole object was printed anew.
    expect(stdout).toBe(
      manifest
        .replace("      partition: 0 # canary later", "      partition: 2 # canary later")
        .replace("      labels: *labels\n", "      labels:\n        app: db # shared\n        tier: web\n"),
    );
    expect(stderr).toBe(
      "<stdin>:2: StatefulSet default/db: set spec.updateStrategy.rollingUpdate.partition to 2 [default-update-strategy]\n" +
        '<stdin>:2: StatefulSet default/db: set spec.template.metadata.labels[tier] to "web" [default-labels]\n' +
        // An edit through an alias cannot be spliced into the text: the file is printed again, and the user is told.
        '<stdin>:2: note: StatefulSet "db": the file is printed again by the YAML library, which keeps comments but may change the spacing of other lines: a field of an empty block collection or of a scalar\n',
    );
  });

  it("prints several files as one stream of documents", async () => {
    const { code, stdout } = await cli(["mutate", `${seeds}/002-mysql.yaml`, `${seeds}/000-web-pv.yaml`, `${seeds}/003-backend.yaml`]);
    expect(code).toBe(0);
    const kinds = docs(stdout).map((d) => (d.toJS() as { kind: string; metadata: { name: string } }))
      .map((o) => `${o.kind}/${o.metadata.name}`);
    expect(kinds).toEqual(["StatefulSet/mysql", "PersistentVolume/web-pv0", "PersistentVolume/web-pv1", "StatefulSet/backend", "Service/backend"]);
  });

  it("exits 2 on a syntax error, printing the other files", async () => {
    const { code, stdout, stderr } = await cli(["mutate", "-", `${seeds}/000-web-pv.yaml`], { stdin: "a: [b\n" });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^<stdin>:\d+: error: YAML syntax error/m);
    expect(stdout).toBe(await readFile(`${seeds}/000-web-pv.yaml`, "utf8"));
  });
});
