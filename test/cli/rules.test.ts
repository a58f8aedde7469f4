/** `stateward rules` and `stateward explain`, run as a user runs them: the compiled bin/stateward.js. */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { checks, rules } from "../../src/rules/index.js";
import { runProcess } from "../pack/process.js";
import { cli, repoRoot } from "./io.js";

const stateward = (...args: string[]) =>
  runProcess(process.execPath, ["bin/stateward.js", ...args], { cwd: repoRoot, env: { ...process.env, NO_COLOR: "1" } });

describe("stateward rules", () => {
  it("lists every check of the registry once, with its default action and summary on one line", async () => {
    const { code, stdout, stderr } = await stateward("rules");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const lines = stdout.split("\n");
    for (const check of checks) {
      const line = lines.filter((l) => l.startsWith(`${check.id} `));
      expect(line, check.id).toHaveLength(1);
      const [, action, summary] = /^\S+\s+(\S+(?: \(built in\))?)\s+(.*)$/.exec(line[0]!)!;
      expect(action).toBe(rules.includes(check as (typeof rules)[number]) ? check.defaultAction : `${check.defaultAction} (built in)`);
      expect(summary).toBe(check.summary);
    }
    expect(stdout).toContain("Run 'stateward explain <rule-id>' for one in full.");
    expect((await stateward("--help")).stdout).toMatch(/\n {2}rules +list every rule/);
  }, 40_000);

  it("takes no argument", async () => {
    const { code, stderr } = await stateward("rules", "statefulset-spread");
    expect(code).toBe(2);
    expect(stderr).toContain('stateward rules: unexpected argument "statefulset-spread"');
  }, 40_000);
});

describe("stateward explain", () => {
  it("prints what, why, how to fix, the parameters with their defaults, and the policy to paste", async () => {
    const { code, stdout } = await stateward("explain", "statefulset-spread");
    expect(code).toBe(0);
    const spread = checks.find((c) => c.id === "statefulset-spread")!;
    const prose = stdout.replace(/\n(?!\n)/g, " ");
    expect(stdout.split("\n")[0]).toBe("statefulset-spread");
    expect(prose).toContain(spread.summary);
    expect(prose).toContain(`Why: ${spread.rationale}`);
    expect(prose).toContain(`Fix: ${spread.fix}`);
    expect(prose).toContain('Exempt: annotate the object stateward.dev/ignore-statefulset-spread: "<reason>" (the reason is required)');
    expect(stdout).toContain("Default action: warn\n");
    expect(prose).toContain("minReplicas (default 2): Fewest replicas");
    expect(stdout.split("\n").every((line) => line.length <= 100)).toBe(true);
    expect(stdout).toMatch(/rules:\n {2}statefulset-spread:\n {4}action: warn\n {4}minReplicas: 2\n {4}topologyKeys: \["kubernetes.io\/hostname"\]\n$/);
  }, 40_000);

  it("gives a policy every rule's loader accepts as it is printed", async () => {
    const dir = await mkdtemp(`${tmpdir()}/stateward-explain-`);
    for (const rule of rules) {
      const { code, stdout } = await cli(["explain", rule.id]);
      expect(code).toBe(0);
      await writeFile(`${dir}/${rule.id}.yaml`, stdout.slice(stdout.lastIndexOf("\nrules:\n") + 1));
    }
    const lint = await cli(["policy", "lint", ...rules.map((rule) => `${dir}/${rule.id}.yaml`)]);
    expect(lint.stdout + lint.stderr).not.toMatch(/error|invalid/i);
    expect(lint.code).toBe(0);
  });

  it("says a built-in check cannot be switched off", async () => {
    const { code, stdout } = await stateward("explain", "object-decoding");
    expect(code).toBe(0);
    expect(stdout).toContain("Default action: deny (built in)\n");
    expect(stdout).toContain("A built-in check: its findings always deny, and no policy switches it.");
    expect(stdout.replace(/\n(?!\n)/g, " ")).toContain("Exempt: no annotation exempts an object from object-decoding: it is a built-in check");
    expect(stdout).not.toContain("rules:");
  }, 40_000);

  it("suggests the rule an unknown id most likely meant, and exits 2", async () => {
    const typo = await stateward("explain", "statefulset-sprad");
    expect(typo.code).toBe(2);
    expect(typo.stdout).toBe("");
    expect(typo.stderr).toBe('stateward explain: no rule "statefulset-sprad"; did you mean statefulset-spread?\nRun \'stateward rules\' for the list.\n');
    const part = await cli(["explain", "headless-service"]);
    expect(part.stderr).toContain("did you mean statefulset-headless-service?");
    const nothing = await cli(["explain", "banana"]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toBe('stateward explain: no rule "banana"\nRun \'stateward rules\' for the list.\n');
    const none = await stateward("explain");
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("stateward explain: name a rule id");
  }, 40_000);
});
