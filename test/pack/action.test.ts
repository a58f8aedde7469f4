/**
 * The GitHub Action (action.yml), run as the Actions runner runs a composite action: every `run:` step in order, in
 * bash with `-eo pipefail`, its `${{ ... }}` expressions replaced from the inputs (action.yml's defaults, then the
 * workflow's `with:`), `github.action_path` (a copy of this repository, as the runner checks the action out),
 * `github.workspace` (a temporary git repository with manifests) and the earlier steps' outputs (GITHUB_OUTPUT).
 * The Install step really runs: `npm ci` in the action's copy, `npm pack`, `npm install --global` of the tarball (into
 * a temporary prefix, whose bin/ is on PATH as setup-node's is), on Node 22 from the registry. The `uses:` steps cannot
 * run here (setup-node, upload-sarif): they must be pinned to a major version and given only inputs they declare, and
 * the SARIF the upload would send must be one code scanning takes (test/sarif.ts).
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parse } from "yaml";
import { repoRoot } from "../cli/io.js";
import { sarifProblems } from "../sarif.js";
import { installNode22 } from "./process.js";
import { type Context, expand, references, runSteps, type Step, type StepRun } from "./actions-runner.js";

vi.setConfig({ testTimeout: 120_000 });

interface Action {
  inputs: Record<string, { default?: string; required?: boolean }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
}

const action = parse(readFileSync(path.join(repoRoot, "action.yml"), "utf8")) as Action;

/**
 * The inputs the `uses:` steps' actions declare at the major version action.yml pins (their own action.yml files:
 * actions/setup-node v4, github/codeql-action/upload-sarif v3).
 */
const declaredInputs: Record<string, string[]> = {
  "actions/setup-node@v4": [
    "node-version", "node-version-file", "architecture", "check-latest", "registry-url", "scope", "token", "cache",
    "cache-dependency-path", "mirror", "mirror-token", "always-auth",
  ],
  "github/codeql-action/upload-sarif@v3": [
    "sarif_file", "checkout_path", "ref", "sha", "token", "matrix", "category", "wait-for-processing",
  ],
};

const work = mkdtempSync(path.join(tmpdir(), "stateward-action-"));
const actionPath = path.join(work, "action");
const runnerTemp = path.join(work, "runner-temp");
const globalPrefix = path.join(work, "global");
let node22 = "";

/** The job's environment on the runner: its Node and the global npm prefix first on PATH, and GITHUB_*. */
function jobEnv(workspace: string): NodeJS.ProcessEnv {
  return {
    PATH: `${path.join(globalPrefix, "bin")}:${path.dirname(node22)}:/usr/local/bin:/usr/bin:/bin`,
    HOME: process.env.HOME,
    CI: "true",
    GITHUB_ACTIONS: "true",
    GITHUB_WORKSPACE: workspace,
    GITHUB_ACTION_PATH: actionPath,
    RUNNER_TEMP: runnerTemp,
    // Where setup-node's Node keeps global packages; registry packages come from npm's cache when it has them.
    npm_config_prefix: globalPrefix,
    npm_config_prefer_offline: "true",
    npm_config_update_notifier: "false",
  };
}

/** Runs the action's `run:` steps among `steps` for a workflow that gives `with`, in `workspace`. */
function runAction(steps: readonly Step[], context: Context): Promise<StepRun[]> {
  return runSteps(steps, context, jobEnv(context.github.workspace!));
}

function contextFor(workspace: string, given: Record<string, string>): Context {
  for (const name of Object.keys(given)) expect(Object.keys(action.inputs), `action.yml declares input ${name}`).toContain(name);
  const defaults = Object.fromEntries(Object.entries(action.inputs).map(([name, input]) => [name, String(input.default ?? "")]));
  return {
    inputs: { ...defaults, ...given },
    github: { action_path: actionPath, workspace },
    runner: { temp: runnerTemp },
    secrets: {},
    steps: {},
  };
}

const installIndex = action.runs.steps.findIndex((s) => s.name === "Install Stateward");
const afterInstall = action.runs.steps.slice(installIndex + 1);

/** A repository as a workflow checks it out: a git work tree with manifests in subdirectories. */
function repository(name: string): string {
  const dir = path.join(work, name);
  mkdirSync(path.join(dir, "deploy", "db"), { recursive: true });
  execFileSync("git", ["init", "-q", dir]);
  cpSync(path.join(repoRoot, "test/fixtures/seeds/002-mysql.yaml"), path.join(dir, "deploy", "db", "mysql.yaml"));
  cpSync(path.join(repoRoot, "examples/broken/selector-mismatch.yaml"), path.join(dir, "deploy", "broken.yaml"));
  return dir;
}

let install: StepRun[] = [];

beforeAll(async () => {
  // The action's checkout: the repository's files as a tag holds them (what `npm pack` and the build need).
  mkdirSync(actionPath);
  mkdirSync(runnerTemp);
  for (const entry of ["package.json", "package-lock.json", "README.md", "policy.example.yaml", "action.yml", "bin", "src", "scripts"]) {
    cpSync(path.join(repoRoot, entry), path.join(actionPath, entry), { recursive: true });
  }
  // Node 22, the action's default node-version, as a package from the registry (setup-node's part).
  node22 = installNode22(path.join(work, "node22"));
  const context = contextFor(repository("first"), {});
  install = await runAction(action.runs.steps.slice(0, installIndex + 1), context);
}, 900_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("action.yml", () => {
  it("is a composite action: set up Node, install the packed package, check, upload SARIF, judge", () => {
    expect(action.runs.using).toBe("composite");
    expect(action.runs.steps.map((s) => s.uses?.replace(/@.*/, "") ?? s.name)).toEqual([
      "actions/setup-node",
      "Install Stateward",
      "Check manifests",
      "github/codeql-action/upload-sarif",
      "Judge the result",
    ]);
  });

  it("pins each action it uses to a major version and gives it only inputs that action declares", () => {
    const stepIds = action.runs.steps.map((s) => s.id).filter(Boolean);
    for (const step of action.runs.steps.filter((s) => s.uses)) {
      expect(step.uses).toMatch(/^[\w-]+\/[\w./-]+@v\d+$/);
      const declared = declaredInputs[step.uses!];
      expect(declared, `the inputs of ${step.uses} are known to this test`).toBeDefined();
      for (const name of Object.keys(step.with ?? {})) expect(declared, `${step.uses} declares ${name}`).toContain(name);
      if (step.uses!.startsWith("actions/setup-node@") && step.with?.cache) {
        // setup-node hashes cache-dependency-path to key its cache and hashes only files under GITHUB_WORKSPACE
        // (@actions/glob hashFiles); anything else fails the step. On a runner the action's own checkout lies outside.
        const runner = contextFor("/home/runner/work/repo/repo", {});
        runner.github.action_path = "/home/runner/work/_actions/owner/stateward/v1";
        const lockfile = path.resolve(runner.github.workspace!, expand(String(step.with["cache-dependency-path"] ?? "package-lock.json"), runner));
        expect(lockfile.startsWith(`${runner.github.workspace}/`), `setup-node's cache-dependency-path ${lockfile} lies in the workspace`).toBe(true);
      }
      for (const reference of references(JSON.stringify(step))) {
        const [scope, name] = reference.split(".");
        if (scope === "inputs") expect(Object.keys(action.inputs)).toContain(name);
        else expect(stepIds).toContain(name);
      }
    }
    for (const [name, output] of Object.entries(action.outputs)) {
      for (const reference of references(output.value)) expect(stepIds, `output ${name}`).toContain(reference.split(".")[1]);
    }
  });

  it("installs the packed package globally and runs it on the job's Node", () => {
    const last = install.at(-1)!;
    expect(last.step.name).toBe("Install Stateward");
    expect(last.code, last.stderr).toBe(0);
    expect(last.stdout).toMatch(/^stateward \d+\.\d+\.\d+$/m);
    const installed = JSON.parse(readFileSync(path.join(globalPrefix, "lib/node_modules/stateward/package.json"), "utf8"));
    expect(installed.version).toBe(JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")).version);
  });

  it("checks the workspace's manifests, writes SARIF that code scanning takes, and fails the job on a denial", async () => {
    const workspace = repository("deny");
    const context = contextFor(workspace, { paths: "deploy/db\ndeploy/broken.yaml" });
    const runs = await runAction(afterInstall, context);
    const [check, judge] = runs;
    expect(check!.code, check!.stderr).toBe(0);
    expect(check!.stdout).toMatch(/deploy\/broken\.yaml:\d+: deny: /);
    expect(context.steps.check!.outputs).toEqual({ "sarif-file": "stateward.sarif", "exit-code": "1" });
    expect(expand(action.outputs["exit-code"]!.value, context)).toBe("1");

    const sarifFile = path.join(workspace, expand(action.outputs["sarif-file"]!.value, context));
    const log = JSON.parse(readFileSync(sarifFile, "utf8"));
    expect(sarifProblems(log)).toEqual([]);
    const uris = new Set(log.runs[0].results.map((r: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) => r.locations[0]!.physicalLocation.artifactLocation.uri));
    expect([...uris].sort()).toEqual(["deploy/broken.yaml", "deploy/db/mysql.yaml"]);

    expect(judge!.step.name).toBe("Judge the result");
    expect(judge!.code).toBe(1);
    expect(judge!.stdout).toContain("::error::Stateward would deny");
  });

  it("reports only with fail-on: never, and fails on warnings with fail-on: warn", async () => {
    const never = await runAction(afterInstall, contextFor(repository("never"), { paths: "deploy", "fail-on": "never", "sarif-file": "x.sarif" }));
    expect(never.map((r) => r.code)).toEqual([0, 0]);

    const warnOnly = repository("warn");
    rmSync(path.join(warnOnly, "deploy", "broken.yaml"));
    const passes = await runAction(afterInstall, contextFor(warnOnly, { paths: "deploy" }));
    expect(passes.map((r) => r.code)).toEqual([0, 0]);
    const strict = await runAction(afterInstall, contextFor(warnOnly, { paths: "deploy", "fail-on": "warn" }));
    expect(strict.map((r) => r.code)).toEqual([0, 1]);
  });

  it("uses the policy it is given, and stops with an error on a policy it cannot read", async () => {
    const workspace = repository("policy");
    writeFileSync(path.join(workspace, "policy.yaml"), "rules:\n  statefulset-selector: {action: off}\n");
    const context = contextFor(workspace, { paths: "deploy/broken.yaml", policy: "policy.yaml" });
    const [check] = await runAction(afterInstall, context);
    expect(check!.code).toBe(0);
    expect(check!.stdout).not.toContain("[statefulset-selector]");

    const missing = contextFor(repository("missing-policy"), { paths: "deploy", policy: "nowhere.yaml" });
    const [, judge] = await runAction(afterInstall, missing);
    expect(missing.steps.check!.outputs["exit-code"]).toBe("2");
    expect(judge!.code).toBe(2);
    expect(judge!.stdout).toContain("::error::stateward check could not read its input or policy");
  });

  it("refuses an unknown fail-on", async () => {
    const [check] = await runAction(afterInstall, contextFor(repository("bad-input"), { "fail-on": "sometimes" }));
    expect(check!.code).toBe(2);
    expect(check!.stdout).toContain("::error::fail-on takes deny, warn or never");
  });
});
