/**
 * The GitHub Action (action.yml), run as the Actions runner runs a composite action: every step in order, each whose
 * `if:` holds (after a failed step too), `run:` steps in bash with `-eo pipefail`, their `${{ ... }}` expressions
 * replaced from the inputs (action.yml's defaults, then the workflow's `with:`), `github.action_path` (a copy of this
 * repository outside the workspace, as the runner checks the action out), `github.workspace` (a temporary git
 * repository with manifests) and the earlier steps' outputs (GITHUB_OUTPUT). The Install step really runs: `npm ci` in
 * the action's copy, `npm pack`, `npm install --global` of the tarball (into a temporary prefix, whose bin/ is on PATH
 * as setup-node's is), on Node 22 from the registry. The `uses:` steps run as stand-ins (test/pack/uses.ts) that take
 * only the inputs those actions declare and fail as they would: setup-node on a cache path outside the workspace,
 * upload-sarif on a file that is not SARIF code scanning takes (test/sarif.ts).
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parse } from "yaml";
import { repoRoot } from "../cli/io.js";
import { sarifProblems } from "../sarif.js";
import { type Context, expand, references, runSteps, type Step, type StepRun } from "./actions-runner.js";
import { installNode22 } from "./process.js";
import { declaredInputs, setupNode, uploadSarif } from "./uses.js";

vi.setConfig({ testTimeout: 120_000 });

interface Action {
  inputs: Record<string, { default?: string; required?: boolean }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
}

interface Location {
  physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } };
}
interface SarifLog {
  runs: {
    results: unknown[];
    invocations: {
      executionSuccessful: boolean;
      toolConfigurationNotifications?: { level: string; message: { text: string }; locations: Location[] }[];
      toolExecutionNotifications?: { locations: Location[] }[];
    }[];
  }[];
}

const action = parse(readFileSync(path.join(repoRoot, "action.yml"), "utf8")) as Action;

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

/** The SARIF logs the upload step would have sent, in order. */
const uploaded: unknown[] = [];

/** Runs `steps` of the action for a workflow that gives `with`, in `workspace`; the steps that ran, by name. */
async function runAction(steps: readonly Step[], context: Context): Promise<Record<string, StepRun>> {
  const runs = await runSteps(steps, context, jobEnv(context.github.workspace!), {
    "actions/setup-node@v4": setupNode("22"),
    "github/codeql-action/upload-sarif@v3": uploadSarif(uploaded),
  });
  return Object.fromEntries(runs.map((run) => [run.step.name ?? run.step.uses!.replace(/@.*/, ""), run]));
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

let install: Record<string, StepRun> = {};

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

// Removing an installed node_modules took over a minute on a loaded CI machine: a hook's default limit failed the file.
afterAll(() => rmSync(work, { recursive: true, force: true }), 300_000);

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

  it("sets up Node (setup-node accepts its inputs: no cache keyed outside the workspace), then installs the packed package globally and runs it on the job's Node", () => {
    const setup = install["actions/setup-node"]!;
    expect(setup.code, setup.stdout).toBe(0);
    const last = install["Install Stateward"]!;
    expect(last.code, last.stderr).toBe(0);
    expect(last.stdout).toMatch(/^stateward \d+\.\d+\.\d+$/m);
    const installed = JSON.parse(readFileSync(path.join(globalPrefix, "lib/node_modules/stateward/package.json"), "utf8"));
    expect(installed.version).toBe(JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")).version);
  });

  it("checks the workspace's manifests, uploads SARIF that code scanning takes, and fails the job on a denial", async () => {
    const workspace = repository("deny");
    const context = contextFor(workspace, { paths: "deploy/db\ndeploy/broken.yaml" });
    const { "Check manifests": check, "Upload SARIF to code scanning": upload, "Judge the result": judge } = await runAction(afterInstall, context);
    expect(check!.code, check!.stderr).toBe(0);
    // Each finding a workflow command, which the runner makes an annotation on the file's line of the pull request.
    expect(check!.stdout).toMatch(/^::error file=deploy\/broken\.yaml,line=\d+,title=statefulset-selector::StatefulSet default\/cache: /m);
    expect(check!.stdout).toMatch(/^::warning file=deploy\/db\/mysql\.yaml,line=\d+,title=[a-z-]+::StatefulSet /m);
    expect(context.steps.check!.outputs).toEqual({ "sarif-file": "stateward.sarif", "exit-code": "1" });
    expect(expand(action.outputs["exit-code"]!.value, context)).toBe("1");

    expect(upload!.code, upload!.stdout).toBe(0);
    const sarifFile = path.join(workspace, expand(action.outputs["sarif-file"]!.value, context));
    const log = JSON.parse(readFileSync(sarifFile, "utf8"));
    expect(uploaded.at(-1)).toEqual(log);
    const uris = new Set(log.runs[0].results.map((r: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) => r.locations[0]!.physicalLocation.artifactLocation.uri));
    expect([...uris].sort()).toEqual(["deploy/broken.yaml", "deploy/db/mysql.yaml"]);

    expect(judge!.code).toBe(1);
    expect(judge!.stdout).toContain("::error::Stateward would deny");
  });

  it("reports only with fail-on: never, and fails on warnings with fail-on: warn", async () => {
    const codes = (runs: Record<string, StepRun>) => Object.values(runs).map((r) => r.code);
    expect(codes(await runAction(afterInstall, contextFor(repository("never"), { paths: "deploy", "fail-on": "never", "sarif-file": "x.sarif" })))).toEqual([0, 0, 0]);

    const warnOnly = repository("warn");
    rmSync(path.join(warnOnly, "deploy", "broken.yaml"));
    expect(codes(await runAction(afterInstall, contextFor(warnOnly, { paths: "deploy" })))).toEqual([0, 0, 0]);
    expect(codes(await runAction(afterInstall, contextFor(warnOnly, { paths: "deploy", "fail-on": "warn" })))).toEqual([0, 0, 1]);
  });

  /** A workspace laid out for one case of the upload test, checked with the action's default paths (.). */
  const cases: Record<string, { files: Record<string, string>; with?: Record<string, string>; exit: string }> = {
    findings: { files: {}, exit: "1" },
    "no findings": {
      files: { "deploy/pvc.yaml": "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: db}\nspec:\n  accessModes: [ReadWriteOnce]\n  storageClassName: standard\n  resources: {requests: {storage: 1Gi}}\n" },
      exit: "0",
    },
    "a broken policy": { files: { "policy.yaml": "rules:\n  no-such-rule: {action: off}\n" }, with: { policy: "policy.yaml" }, exit: "2" },
    "a policy that is not there": { files: {}, with: { policy: "nowhere.yaml" }, exit: "2" },
    "a templated Helm chart": {
      files: {
        "chart/Chart.yaml": "apiVersion: v2\nname: db\nversion: 0.1.0\n",
        "chart/values.yaml": "replicas: 3\n",
        "chart/templates/statefulset.yaml": "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: {{ .Release.Name }}-db\nspec:\n  replicas: {{ .Values.replicas }}\n",
      },
      exit: "1",
    },
  };

  it.each(Object.keys(cases))("uploads a SARIF log code scanning takes for %s, and judges by check's exit code with its reason", async (name) => {
    const { files, with: given = {}, exit } = cases[name]!;
    const workspace = repository(name.replace(/\W+/g, "-"));
    if (name === "no findings") rmSync(path.join(workspace, "deploy"), { recursive: true });
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(workspace, file)), { recursive: true });
      writeFileSync(path.join(workspace, file), text);
    }
    const context = contextFor(workspace, given);
    const runs = await runAction(afterInstall, context);
    expect(context.steps.check!.outputs["exit-code"]).toBe(exit);
    const upload = runs["Upload SARIF to code scanning"]!;
    expect(upload.code, upload.stdout).toBe(0);
    const log = uploaded.at(-1) as SarifLog;
    expect(log).toEqual(JSON.parse(readFileSync(path.join(workspace, "stateward.sarif"), "utf8")));
    expect(sarifProblems(log)).toEqual([]);
    const run = log.runs[0]!;
    const judge = runs["Judge the result"]!;
    expect(judge.code).toBe(Number(exit));
    if (exit === "2") {
      // The reason travels in the log (a failed invocation, the policy's error at its file) and is an error
      // annotation at the policy's line; the judge's error is the job's.
      expect(run.invocations[0]!.executionSuccessful).toBe(false);
      const [error] = run.invocations[0]!.toolConfigurationNotifications!;
      expect(error!.level).toBe("error");
      expect(error!.locations[0]!.physicalLocation.artifactLocation.uri).toBe(given.policy);
      const line = error!.locations[0]!.physicalLocation.region?.startLine;
      expect(runs["Check manifests"]!.stdout).toContain(`::error file=${given.policy}${line !== undefined ? `,line=${line}` : ""}::${error!.message.text}\n`);
      expect(judge.stdout).toContain("::error::stateward check could not read its input or policy");
    } else if (name === "no findings") {
      expect(run.results).toEqual([]);
    } else {
      expect(run.results.length).toBeGreaterThan(0);
    }
    if (name === "a templated Helm chart") {
      const notes = run.invocations[0]!.toolExecutionNotifications!.map((n) => n.locations[0]!.physicalLocation.artifactLocation.uri);
      expect(notes).toContain("chart/templates/statefulset.yaml");
    }
  });

  it("passes over the files its exclude input names (globs separated by spaces or new lines)", async () => {
    const workspace = repository("exclude");
    cpSync(path.join(workspace, "deploy/broken.yaml"), path.join(workspace, "vendor/other/broken.yaml"), { recursive: true });
    const all = await runAction(afterInstall, contextFor(workspace, {}));
    expect(all["Check manifests"]!.stdout).toMatch(/^::error file=vendor\/other\/broken\.yaml,line=\d+,/m);
    for (const exclude of ["deploy/broken.yaml vendor/**", "deploy/broken.yaml\nvendor/**\n"]) {
      const context = contextFor(workspace, { exclude });
      const runs = await runAction(afterInstall, context);
      expect(runs["Check manifests"]!.stdout).not.toContain("broken.yaml");
      expect(runs["Check manifests"]!.stdout).toContain("deploy/db/mysql.yaml");
      expect(runs["Judge the result"]!.code).toBe(0);
    }
  });

  it("fails on paths with no manifest unless allow-empty is true (a repository of Helm templates only)", async () => {
    const workspace = repository("only-templates");
    rmSync(path.join(workspace, "deploy"), { recursive: true });
    mkdirSync(path.join(workspace, "chart", "templates"), { recursive: true });
    writeFileSync(path.join(workspace, "chart", "Chart.yaml"), "apiVersion: v2\nname: db\nversion: 0.1.0\n");
    writeFileSync(path.join(workspace, "chart", "templates", "statefulset.yaml"), "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: {{ .Release.Name }}\n");
    const refused = await runAction(afterInstall, contextFor(workspace, {}));
    expect(refused["Judge the result"]!.code).toBe(2);
    const allowed = await runAction(afterInstall, contextFor(workspace, { "allow-empty": "true" }));
    expect(allowed["Check manifests"]!.code).toBe(0);
    expect(allowed["Judge the result"]!.code).toBe(0);
    const wrong = await runAction(afterInstall, contextFor(workspace, { "allow-empty": "yes" }));
    expect(wrong["Check manifests"]!.code).toBe(2);
    expect(wrong["Check manifests"]!.stdout).toContain("::error::allow-empty takes true or false, not 'yes'");
  });

  it("uses the policy it is given", async () => {
    const workspace = repository("policy");
    writeFileSync(path.join(workspace, "policy.yaml"), "rules:\n  statefulset-selector: {action: off}\n");
    const context = contextFor(workspace, { paths: "deploy/broken.yaml", policy: "policy.yaml" });
    const { "Check manifests": check } = await runAction(afterInstall, context);
    expect(check!.code).toBe(0);
    expect(check!.stdout).toMatch(/^::warning file=deploy\/broken\.yaml,line=\d+,/m);
    expect(check!.stdout).not.toContain("title=statefulset-selector");
  });

  it("refuses an unknown fail-on, and neither uploads nor judges", async () => {
    const runs = await runAction(afterInstall, contextFor(repository("bad-input"), { "fail-on": "sometimes" }));
    expect(Object.keys(runs)).toEqual(["Check manifests"]);
    expect(runs["Check manifests"]!.code).toBe(2);
    expect(runs["Check manifests"]!.stdout).toContain("::error::fail-on takes deny, warn or never");
  });
});
