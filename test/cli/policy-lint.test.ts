/** `stateward policy lint`: every problem with its line and the name it most likely meant; exit 0, 1 or 2. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadPolicy } from "../../src/policy/policy.js";
import { closestName } from "../../src/k8s/names.js";
import { cli, repoRoot } from "./io.js";

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

  it("prints the problems in the order of the document, as a compiler does", async () => {
    // zod reports a map's unknown keys after the problems of its entries: line 3 came last.
    const { code, stdout } = await cli(["policy", "lint", "examples/policy-typos.yaml"]);
    const lines = stdout.trimEnd().split("\n").map((line) => Number(/^examples\/policy-typos\.yaml:(\d+): /.exec(line)?.[1]));
    expect(lines).toEqual([3, 6, 8]);
    expect(code).toBe(1);
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

describe("policy lint and the servers", () => {
  const aliasBomb = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]", ..."bcdefgh".split("").map((k, i) => `${k}: &${k} [${Array(9).fill(`*${"abcdefgh"[i]}`).join(", ")}]`)].join("\n");
  const policies: Record<string, string> = {
    "the annotated example": readFileSync(path.join(repoRoot, "policy.example.yaml"), "utf8"),
    "the in-cluster overlay's": readFileSync(path.join(repoRoot, "k8s/overlays/in-cluster/policy.yaml"), "utf8"),
    "an empty map": "{}\n",
    JSON: '{"rules": {"storage-class": {"action": "warn"}}}',
    "anchors and aliases": "rules:\n  storage-class: &c {action: warn}\nnamespaces:\n  dev: {rules: {storage-class: *c}}\n",
    "constructor and prototype as names": "defaults:\n  default-labels: {labels: {constructor: x}}\nnamespaces:\n  prototype: {}\n",
    "an unknown rule": "rules:\n  storage-clas: {}\n",
    "a wrong type": "exemptions:\n  users: alice\n",
    "crossing bounds": "rules:\n  storage-request: {min: 10Gi, max: 1Gi}\n",
    "a __proto__ label": "defaults:\n  default-labels: {labels: {__proto__: x}}\n",
    "a __proto__ namespace": '{"namespaces": {"__proto__": {}}}',
    "a YAML alias bomb": aliasBomb,
    "a YAML syntax error": "rules: {storage-class: [\n",
    "two documents": "rules: {}\n---\ndefaults: {}\n",
    "a list": "- rules\n",
    "over 1 MiB": `exemptions:\n  users:\n${"    - system:serviceaccount:ci:deployer\n".repeat(30_000)}`,
    "too many namespace overrides": `namespaces:\n${Array.from({ length: 1001 }, (_, i) => `  n${i}: {}\n`).join("")}`,
  };

  for (const [what, text] of Object.entries(policies)) {
    it(`agree on ${what}`, async () => {
      const file = policyFile(text);
      // What `stateward serve` and the Worker do with the policy's text (src/node/main.ts, src/worker/index.ts).
      const served = loadPolicy(text);
      const linted = await cli(["policy", "lint", file]);
      expect(linted.stderr).toBe("");
      expect(linted.code).toBe(served.ok ? 0 : 1);
      if (served.ok) {
        expect(linted.stdout).toBe(`${file}: valid policy\n`);
      } else {
        const lines = linted.stdout.trimEnd().split("\n");
        expect(lines).toHaveLength(served.problems.length);
        for (const line of lines) expect(line).not.toMatch(/\n|    at /); // one line each, no stack
        for (const problem of served.problems) expect(served.error).toContain(problem.message);
      }
      const checked = await cli(["check", "--policy", file, "examples/broken/wrong-type.yaml"]);
      expect(checked.code).toBe(served.ok ? 1 : 2);
    });
  }

  it("finds the broken ones broken", () => {
    const broken = Object.entries(policies).filter(([, text]) => !loadPolicy(text).ok).map(([what]) => what);
    expect(broken).toEqual(Object.keys(policies).slice(Object.keys(policies).indexOf("an unknown rule")));
  });
});
