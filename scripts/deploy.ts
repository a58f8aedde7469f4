/**
 * `npm run deploy [-- wrangler deploy options]`: lints the policy the Worker will load, then runs `wrangler deploy`.
 * A broken policy makes the Worker answer every review with 500, and the validating webhook fails closed, so an
 * invalid policy stops here instead of reaching the cluster.
 *
 * Where the policy comes from, first found wins:
 *   1. STATEWARD_POLICY_FILE in the environment: that file, deployed with `--var STATEWARD_POLICY:<its text>`;
 *   2. STATEWARD_POLICY in the environment: that text, deployed the same way;
 *   3. `vars.STATEWARD_POLICY` of wrangler.toml (of the `--env` given, if any): deployed by wrangler as it is;
 *   4. none: the built-in defaults, nothing to lint.
 * A policy kept as a secret (`wrangler secret put STATEWARD_POLICY`) cannot be read back: lint it before putting it.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import { formatLintProblem, lintPolicy } from "../src/policy/lint.js";

export interface PolicySource {
  /** Where it came from, as the messages name it. */
  name: string;
  text: string;
  /** Whether wrangler must be given the text (`--var`), because wrangler.toml does not hold it. */
  passAsVar: boolean;
}

/** The policy a deploy with these arguments and this environment would give the Worker, or undefined for none. */
export async function policyToDeploy(args: readonly string[], env: NodeJS.ProcessEnv): Promise<PolicySource | undefined> {
  if (env.STATEWARD_POLICY_FILE) {
    return { name: env.STATEWARD_POLICY_FILE, text: readFileSync(env.STATEWARD_POLICY_FILE, "utf8"), passAsVar: true };
  }
  if (env.STATEWARD_POLICY !== undefined) return { name: "$STATEWARD_POLICY", text: env.STATEWARD_POLICY, passAsVar: true };
  const { values } = parseArgs({
    args: [...args],
    options: { config: { type: "string", short: "c" }, env: { type: "string", short: "e" } },
    strict: false,
    allowPositionals: true,
  });
  const configPath = typeof values.config === "string" ? values.config : "wrangler.toml";
  const { unstable_readConfig } = await import("wrangler");
  const config = unstable_readConfig({ config: configPath, env: typeof values.env === "string" ? values.env : undefined });
  const text = (config.vars as Record<string, unknown>).STATEWARD_POLICY;
  if (text === undefined) return undefined;
  if (typeof text !== "string") {
    return { name: `${configPath} vars.STATEWARD_POLICY`, text: JSON.stringify(text), passAsVar: false };
  }
  return { name: `${configPath} vars.STATEWARD_POLICY`, text, passAsVar: false };
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  let source: PolicySource | undefined;
  try {
    source = await policyToDeploy(args, process.env);
  } catch (error) {
    console.error(`deploy: cannot read the policy: ${(error as Error).message}`);
    return 2;
  }
  const wranglerArgs = ["deploy", ...args];
  if (!source) {
    console.error("deploy: no STATEWARD_POLICY (environment or wrangler.toml vars): the Worker uses the built-in defaults");
  } else {
    const problems = lintPolicy(source.text);
    if (problems.length > 0) {
      for (const problem of problems) console.error(formatLintProblem(source.name, problem));
      console.error(`deploy: refused: the policy in ${source.name} is invalid; nothing was deployed`);
      return 1;
    }
    console.error(`deploy: ${source.name}: valid policy`);
    if (source.passAsVar) wranglerArgs.push("--var", `STATEWARD_POLICY:${source.text}`);
  }
  const wrangler = createRequire(import.meta.url).resolve("wrangler/bin/wrangler.js");
  const result = spawnSync(process.execPath, [wrangler, ...wranglerArgs], { stdio: "inherit" });
  return result.status ?? 1;
}

process.exitCode = await main();
