/**
 * A small stand-in for the GitHub Actions runner, enough to run the steps of action.yml and of the workflows here as
 * the runner would: `run:` steps in bash with `-eo pipefail`, each `${{ path }}` replaced from the context (inputs,
 * github, runner, secrets, earlier steps' outputs), the step's `env:` and `working-directory:`, a fresh GITHUB_OUTPUT
 * file whose lines become the step's outputs; `uses:` steps by a stand-in the caller gives for that action (none
 * given: the test fails); each step's `if:` decides whether it runs, after a failed step too (success() unless the
 * condition names a status function). An expression it cannot evaluate fails the test instead of running.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { runProcess } from "./process.js";

export interface Step {
  name?: string;
  id?: string;
  uses?: string;
  with?: Record<string, string | number | boolean>;
  if?: string;
  shell?: string;
  run?: string;
  env?: Record<string, string>;
  "working-directory"?: string;
}

export interface Context {
  inputs: Record<string, string>;
  github: Record<string, string>;
  runner: Record<string, string>;
  secrets: Record<string, string>;
  steps: Record<string, { outputs: Record<string, string> }>;
}

/** The value of a property path such as `inputs.fail-on` or `steps.check.outputs.exit-code`. */
function lookUp(context: Context, expression: string): string {
  const [scope, ...rest] = expression.split(".");
  if (scope === "steps") {
    const [id, outputs, name] = rest;
    if (outputs !== "outputs" || !id || !name || !(id in context.steps)) throw new Error(`\${{ ${expression} }} names no earlier step's output`);
    return context.steps[id]!.outputs[name] ?? "";
  }
  const values = (context as unknown as Record<string, Record<string, string> | undefined>)[scope!];
  const value = values?.[rest.join(".")];
  if (value === undefined) throw new Error(`\${{ ${expression} }} names nothing the runner provides here`);
  return value;
}

/** Replaces each `${{ path }}` as the runner does. */
export function expand(text: string, context: Context): string {
  return text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_, expression: string) => {
    if (!/^[a-z][\w-]*(\.[\w-]+)+$/i.test(expression)) throw new Error(`cannot evaluate \${{ ${expression} }} in a run step`);
    return lookUp(context, expression);
  });
}

/** Every `inputs.x` and `steps.y.outputs.z` the expressions in `text` refer to (for `with:` and `if:`, not run here). */
export function references(text: string): string[] {
  return [...text.matchAll(/\$\{\{(.*?)\}\}/gs)].flatMap((m) =>
    [...m[1]!.matchAll(/\b(inputs\.[\w-]+|steps\.[\w-]+\.outputs\.[\w-]+)/g)].map((r) => r[1]!),
  );
}

const runBash = (script: string, cwd: string, env: NodeJS.ProcessEnv) =>
  runProcess("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], { cwd, env });

export interface StepRun {
  step: Step;
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Whether a step runs: its `if:` (with or without `${{ }}`) as the runner evaluates it, for the forms used here: terms
 * joined by `&&`, each a status function (always(), success(), failure()) or `path == 'text'` / `path != 'text'`
 * (GitHub compares strings ignoring case). Without a status function, success() is implied.
 */
export function shouldRun(condition: string | undefined, context: Context, failed: boolean): boolean {
  const text = (condition ?? "success()").trim().replace(/^\$\{\{([\s\S]*)\}\}$/, "$1").trim();
  const terms = text.split("&&").map((t) => t.trim());
  let status: boolean | undefined;
  let holds = true;
  for (const term of terms) {
    if (term === "always()") status = true;
    else if (term === "success()") status = !failed;
    else if (term === "failure()") status = failed;
    else {
      const match = /^([a-z][\w-]*(?:\.[\w-]+)+)\s*(==|!=)\s*'([^']*)'$/i.exec(term);
      if (!match) throw new Error(`cannot evaluate the condition term ${term} (in ${condition})`);
      const equal = lookUp(context, match[1]!).toLowerCase() === match[3]!.toLowerCase();
      holds &&= match[2] === "==" ? equal : !equal;
    }
  }
  return (status ?? !failed) && holds;
}

/** Stands in for a `uses:` action: given its `with:` inputs (expanded) and the job's environment, answers as the step would. */
export type StandIn = (inputs: Record<string, string>, env: NodeJS.ProcessEnv, context: Context) => Omit<StepRun, "step"> | Promise<Omit<StepRun, "step">>;

/**
 * Runs `steps` in order, each whose `if:` holds; `uses:` steps through `standIns` (keyed by the exact `uses:` text).
 * `env` is the job's environment (PATH, GITHUB_WORKSPACE, ...); steps run in `github.workspace` unless they say.
 * Returns the steps that ran.
 */
export async function runSteps(steps: readonly Step[], context: Context, env: NodeJS.ProcessEnv, standIns: Record<string, StandIn> = {}): Promise<StepRun[]> {
  const runs: StepRun[] = [];
  let failed = false;
  for (const step of steps) {
    if (!shouldRun(step.if, context, failed)) continue;
    let result: Omit<StepRun, "step">;
    if (step.uses) {
      const standIn = standIns[step.uses];
      if (!standIn) throw new Error(`${step.uses}: this test has no stand-in for that action`);
      const inputs = Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, expand(String(v), context)]));
      result = await standIn(inputs, env, context);
    } else {
      if (step.shell !== "bash") throw new Error(`${step.name}: a run step here names its shell (bash), as composite actions must`);
      const output = path.join(context.runner.temp!, `github-output-${Math.random().toString(36).slice(2)}`);
      writeFileSync(output, "");
      const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expand(String(v), context)]));
      const cwd = step["working-directory"] ? expand(step["working-directory"], context) : context.github.workspace!;
      result = await runBash(expand(step.run!, context), cwd, { ...env, GITHUB_OUTPUT: output, ...stepEnv });
      if (step.id) {
        const lines = readFileSync(output, "utf8").split("\n").filter(Boolean);
        context.steps[step.id] = { outputs: Object.fromEntries(lines.map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string])) };
      }
    }
    runs.push({ step, ...result });
    if (result.code !== 0) failed = true;
  }
  return runs;
}
