/**
 * `stateward check --fix`: each check's fix, the policy's defaults, refusals where two fixes are possible, untouched
 * lines kept byte for byte, idempotence, --dry-run, and that what was fixed passes `check`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { applyPatch, diffLines } from "diff";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { defaults } from "../../src/defaults/index.js";
import { quantityMeant } from "../../src/k8s/quantity.js";
import { cli } from "./io.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "stateward-fix-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string) => writeFileSync(path.join(dir, name), text);
const read = (name: string) => readFileSync(path.join(dir, name), "utf8");
const run = (...argv: string[]) => cli(argv, { cwd: dir });

/** A policy with every default off, so a test sees the checks' fixes alone. */
const noDefaults = `defaults:\n${defaults.map((d) => `  ${d.id}:\n    enabled: false\n`).join("")}`;
const fixOnly = (...argv: string[]) => {
  write("policy.yaml", noDefaults);
  return run("check", "--policy", "policy.yaml", ...argv);
};

/** The lines a run took out of a text, and the lines it put in. */
function changedLines(before: string, after: string): { removed: string[]; added: string[] } {
  const removed: string[] = [];
  const added: string[] = [];
  for (const part of diffLines(before, after)) {
    const lines = part.value.replace(/\n$/, "").split("\n");
    if (part.removed) removed.push(...lines);
    if (part.added) added.push(...lines);
  }
  return { removed, added };
}

/** A StatefulSet written with unusual but valid formatting: 4-space indents, flow lists, comments, aligned values. */
const web = `# The web tier: keep this comment.
apiVersion: apps/v1
kind: StatefulSet
metadata:
    name: web       # aligned comment
    labels: {app: web, tier: "front"}
spec:
    serviceName: web
    replicas: 3
    selector:
        matchLabels: {app: web}
    template:
        metadata:
            labels: {app: web}
        spec:
            containers:
            -   name: nginx
                image: "nginx:1.21.6"
                ports:
                -   containerPort: 80
                    name: http
                volumeMounts:
                -   name: wwww   # one letter too many
                    mountPath: /usr/share/nginx/html
    volumeClaimTemplates:
    -   metadata:
            name: www
        spec:
            accessModes: [ReadWriteOnce]    # flow style, spaced
            resources:
                requests:
                    storage: 10GB   # a familiar unit
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {clusterIP: None, selector: {app: web}}
`;

describe("stateward check --fix", () => {
  it("fixes a mount one edit away from the one claim template, and a GB size, changing those lines only", async () => {
    write("web.yaml", web);
    const result = await fixOnly("--fix", "web.yaml");
    const after = read("web.yaml");
    expect(changedLines(web, after)).toEqual({
      removed: ["                -   name: wwww   # one letter too many", "                    storage: 10GB   # a familiar unit"],
      added: ["                -   name: www   # one letter too many", "                    storage: 10G   # a familiar unit"],
    });
    expect(result.stderr).toContain(
      'web.yaml:23: StatefulSet default/web: set spec.template.spec.containers[0].volumeMounts[0].name to "www" [statefulset-volume-mounts]',
    );
    expect(result.stderr).toContain('web.yaml:32: StatefulSet default/web: set spec.volumeClaimTemplates[0].spec.resources.requests.storage to "10G" [storage-request]');
    // The report that follows is check's, of the edited file: the fixed findings are gone.
    expect(result.stdout).not.toMatch(/statefulset-volume-mounts|storage-request/);
    const again = await fixOnly("web.yaml");
    expect(again.stdout).not.toMatch(/statefulset-volume-mounts|storage-request/);
  });

  it("changes nothing the second time", async () => {
    write("web.yaml", web.replace("apiVersion: apps/v1\n", "apiVersion: apps/v1beta1\n").replace(/---[\s\S]*$/, ""));
    await run("check", "--fix", "web.yaml");
    const once = read("web.yaml");
    expect(once).not.toBe(web);
    const second = await run("check", "--fix", "web.yaml");
    expect(read("web.yaml")).toBe(once);
    expect(second.stderr).toBe("");
  });

  it("refuses a mount two names are one edit away from, and a size whose unit could mean two; the findings stay", async () => {
    const text = web
      .replace("    -   metadata:\n            name: www\n", "    -   metadata:\n            name: wwwx\n        spec: {resources: {requests: {storage: 1Gi}}}\n    -   metadata:\n            name: www\n")
      .replace("storage: 10GB", "storage: 10gb");
    write("web.yaml", text);
    const result = await fixOnly("--fix", "web.yaml");
    expect(read("web.yaml")).toBe(text);
    expect(result.stderr).toContain('[statefulset-volume-mounts]: "wwwx" and "www" are each one edit away');
    expect(result.stderr).toContain('[storage-request]: "10gb" could mean 10G or 10Gi');
    expect(result.stdout).toMatch(/statefulset-volume-mounts/);
    expect(result.stdout).toMatch(/storage-request/);
    expect(result.code).toBe(1);
  });

  it("moves apps/v1beta1 to apps/v1 with the selector and update strategy apps/v1beta1 defaulted", async () => {
    const text = "apiVersion: apps/v1beta1 # old\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  serviceName: db\n  template:\n    metadata:\n      labels:\n        app: db\n    spec:\n      containers:\n      - name: db\n        image: postgres:16\n";
    write("db.yaml", text);
    const result = await fixOnly("--fix", "db.yaml");
    const after = read("db.yaml");
    expect(after.startsWith("apiVersion: apps/v1 # old\nkind: StatefulSet\n")).toBe(true);
    const [statefulSet, service] = parseAllDocuments(after).map((d) => d.toJS());
    expect(statefulSet.spec.selector).toEqual({ matchLabels: { app: "db" } });
    expect(statefulSet.spec.updateStrategy).toEqual({ type: "OnDelete" });
    expect(service).toEqual({ apiVersion: "v1", kind: "Service", metadata: { name: "db" }, spec: { clusterIP: "None", selector: { app: "db" } } });
    // Lists keep the file's style: not indented under their key.
    expect(after).toContain("\n      - name: db\n");
    expect(result.stdout).not.toMatch(/statefulset-api-version|statefulset-headless-service/);
  });

  it("moves apps/v1beta2 to apps/v1 alone: that version defaulted nothing apps/v1 does not", async () => {
    write("db.yaml", web.replace("apiVersion: apps/v1\n", "apiVersion: apps/v1beta2\n"));
    await fixOnly("--fix", "db.yaml");
    const statefulSet = parseAllDocuments(read("db.yaml"))[0]!.toJS();
    expect(statefulSet.apiVersion).toBe("apps/v1");
    expect(statefulSet.spec.updateStrategy).toBeUndefined();
  });

  it("writes a missing headless Service with the containers' ports, once for two StatefulSets naming it", async () => {
    const one = web.replace(/---[\s\S]*$/, "").replace("storage: 10GB", "storage: 10G").replace("name: wwww", "name: www");
    write("web.yaml", `${one}---\n${one.replace("name: web       #", "name: web2      #")}`);
    const result = await fixOnly("--fix", "web.yaml");
    const documents = parseAllDocuments(read("web.yaml")).map((d) => d.toJS());
    expect(documents).toHaveLength(3);
    expect(documents[2]).toEqual({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web" },
      spec: { clusterIP: "None", selector: { app: "web" }, ports: [{ name: "http", port: 80 }] },
    });
    expect(result.stderr).toContain("add Service default/web as a new document at the end of the file [statefulset-headless-service]");
    expect(result.stdout).not.toMatch(/statefulset-headless-service/);
  });

  it("writes no Service where one of a similar name exists: the serviceName may be the typo", async () => {
    const text = web.replace("metadata: {name: web}", "metadata: {name: webb}").replace("name: wwww", "name: www").replace("10GB", "10G");
    write("web.yaml", text);
    const result = await fixOnly("--fix", "web.yaml");
    expect(read("web.yaml")).toBe(text);
    expect(result.stderr).toContain('[statefulset-headless-service]: Service "webb" exists: spec.serviceName may be the typo');
  });

  it("applies the policy's defaults as stateward mutate does, and the checks' fixes before them", async () => {
    write("web.yaml", web);
    await run("check", "--fix", "web.yaml");
    const fixed = parseAllDocuments(read("web.yaml"))[0]!.toJS();
    const mutated = await cli(["mutate", "web.yaml"], { cwd: dir });
    expect(parseAllDocuments(mutated.stdout)[0]!.toJS()).toEqual(fixed);
    expect(fixed.spec.template.spec.terminationGracePeriodSeconds).toBe(30);
    expect(fixed.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("10G");
  });

  it("--dry-run prints a unified diff that makes what --fix writes, and changes no file", async () => {
    write("web.yaml", web);
    const dry = await run("check", "--fix", "--dry-run", "web.yaml");
    expect(read("web.yaml")).toBe(web);
    expect(dry.stdout.startsWith("--- a/web.yaml\n+++ b/web.yaml\n@@ ")).toBe(true);
    expect(dry.code).toBe(0);
    await run("check", "--fix", "web.yaml");
    expect(applyPatch(web, dry.stdout)).toBe(read("web.yaml"));
  });

  it("is a usage error with --dry-run alone, and in place on standard input", async () => {
    expect((await run("check", "--dry-run", "web.yaml")).stderr).toContain("--dry-run goes with --fix");
    const stdin = await cli(["check", "--fix", "-"], { cwd: dir, stdin: web });
    expect(stdin.code).toBe(2);
    expect(stdin.stderr).toContain("standard input");
    const diff = await cli(["check", "--fix", "--dry-run", "-"], { cwd: dir, stdin: web });
    expect(diff.stdout).toContain("--- a/<stdin>");
  });
});

describe("quantityMeant", () => {
  it("reads a Kubernetes suffix followed by B, or set apart by spaces, and nothing whose case leaves two meanings", () => {
    expect(quantityMeant("10GB")).toBe("10G");
    expect(quantityMeant("1.5TiB")).toBe("1.5Ti");
    expect(quantityMeant("10 Gi")).toBe("10Gi");
    expect(quantityMeant("500kB")).toBe("500k");
    for (const text of ["10gb", "10g", "10KB", "10Gi", "10mB", "ten GB"]) expect(quantityMeant(text)).toBeUndefined();
  });
});
