/** `stateward policy lint`: every problem with its line and the name it most likely meant; exit 0, 1 or 2. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { closestName } from "../../src/policy/suggest.js";
import { cli } from "./io.js";

function policyFile(text: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "stateward-lint-"));
  const file = path.join(dir, "policy.yaml");
  writeFileSync(file, text);
  return file;
}

describe("stateward policy lint", () => {
  it("passes the in-cluster overlay's policy and the annotated example", async () => {
    const { code, stdout, stderr } = await cli(["policy", "lint", "k8s/overlays/in-cluster/policy.yaml", "policy.example.yaml"]);
    expect(stderr).toBe("");
    expect(stdout).toBe("k8s/overlays/in-cluster/policy.yaml: valid policy\npolicy.example.yaml: valid policy\n");
    expect(code).toBe(0);
  });

  it("names unknown rule ids, default ids and keys with the line and the name they most likely meant", async () => {
    const file = policyFile(
      [
        "rulez: {}",
        "rules:",
        "  storage-clas: {action: warn}",
        "  headless-service: {action: deny}",
        "  storage-request:",
        "    maximum: 1Ti",
        "defaults:",
        "  default-storage-clas: {storageClassName: fast}",
        "  warning: false",
        "namespaces:",
        "  team-a:",
        "    rules:",
        "      statefulset-readiness-prob: {action: off}",
        "",
      ].join("\n"),
    );
    const { code, stdout } = await cli(["policy", "lint", file]);
    expect(code).toBe(1);
    expect(stdout.trim().split("\n").sort()).toEqual(
      [
        `${file}:1: <root>: unknown field(s) rulez (did you mean rules?)`,
        `${file}:3: rules: unknown field(s) storage-clas (did you mean storage-class?)`,
        `${file}:4: rules: unknown field(s) headless-service (did you mean statefulset-headless-service?)`,
        `${file}:6: rules.storage-request: unknown field(s) maximum (did you mean max?)`,
        `${file}:8: defaults: unknown field(s) default-storage-clas (did you mean default-storage-class?)`,
        `${file}:9: defaults: unknown field(s) warning (did you mean warnings?)`,
        `${file}:13: namespaces.team-a.rules: unknown field(s) statefulset-readiness-prob (did you mean statefulset-readiness-probe?)`,
      ].sort(),
    );
  });

  it("reports wrong types, unknown actions, crossing bounds and YAML errors on their lines", async () => {
    const typed = policyFile("rules:\n  storage-class:\n    allowed: fast\n  pvc-resize: {action: block}\n");
    const typedRun = await cli(["policy", "lint", typed]);
    expect(typedRun.code).toBe(1);
    expect(typedRun.stdout).toContain(`${typed}:3: rules.storage-class.allowed: Invalid input: expected array, received string`);
    expect(typedRun.stdout).toContain(`${typed}:4: rules.pvc-resize.action: Invalid option`);

    const crossing = policyFile("rules:\n  storage-request: {min: 10Gi, max: 1Gi}\n");
    expect((await cli(["policy", "lint", crossing])).stdout).toBe(`${crossing}:2: rules.storage-request.min: 10Gi is more than max 1Gi\n`);

    const broken = policyFile("rules:\n  storage-class: [\n");
    const brokenRun = await cli(["policy", "lint", broken]);
    expect(brokenRun.code).toBe(1);
    expect(brokenRun.stdout).toMatch(new RegExp(`^${broken.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+: <root>: not valid YAML or JSON: `));
  });

  it("offers no guess when nothing is close", async () => {
    const file = policyFile("rules:\n  quota: {}\n");
    expect((await cli(["policy", "lint", file])).stdout).toBe(`${file}:2: rules: unknown field(s) quota\n`);
    expect(closestName("quota", ["storage-class", "storage-request"])).toBeUndefined();
  });

  it("reads standard input, exits 2 on an unreadable file and on bad usage", async () => {
    expect(await cli(["policy", "lint", "-"], { stdin: "rules: {storage-class: {action: warn}}\n" })).toMatchObject({
      code: 0,
      stdout: "<stdin>: valid policy\n",
    });
    const missing = await cli(["policy", "lint", "no/such/policy.yaml"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read policy no/such/policy.yaml");
    expect((await cli(["policy", "lint"])).code).toBe(2);
    expect((await cli(["policy", "check", "x.yaml"])).stderr).toContain("unknown policy command");
  });
});
