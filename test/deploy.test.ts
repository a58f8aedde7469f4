/** `npm run deploy` lints the policy the Worker would load and refuses to run wrangler when it is invalid. */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const typo = "rules:\n  storage-clas: {allowed: [fast]}\n";

async function deploy(args: string[], env: Record<string, string>) {
  const environment: NodeJS.ProcessEnv = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };
  delete environment.STATEWARD_POLICY;
  delete environment.STATEWARD_POLICY_FILE;
  try {
    const { stdout, stderr } = await run("npm", ["run", "--silent", "deploy", "--", ...args], {
      env: { ...environment, ...env },
      timeout: 90_000,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout: string; stderr: string };
    if (typeof e.code !== "number") throw error;
    return { code: e.code, output: e.stdout + e.stderr };
  }
}

describe("npm run deploy", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "stateward-deploy-"));

  it("refuses a policy file with a typo before wrangler runs, naming the line and the rule meant", async () => {
    const file = path.join(dir, "policy.yaml");
    writeFileSync(file, typo);
    const { code, output } = await deploy(["--dry-run"], { STATEWARD_POLICY_FILE: file });
    expect(code).toBe(1);
    expect(output).toContain(`${file}:2: rules: unknown field(s) storage-clas (did you mean storage-class?)`);
    expect(output).toContain("nothing was deployed");
    expect(output).not.toContain("wrangler");
  }, 60_000);

  it("refuses STATEWARD_POLICY from the environment and from wrangler.toml's vars", async () => {
    expect((await deploy(["--dry-run"], { STATEWARD_POLICY: typo })).output).toContain("$STATEWARD_POLICY:2: rules: unknown field(s)");
    const config = path.join(dir, "wrangler.toml");
    const toml = readFileSync("wrangler.toml", "utf8").replace('main = "src/worker/index.ts"', `main = "${path.resolve("src/worker/index.ts")}"`);
    writeFileSync(config, `${toml}\n[vars]\nSTATEWARD_POLICY = """\n${typo}"""\n`);
    const fromToml = await deploy(["--config", config, "--dry-run"], {});
    expect(fromToml.code).toBe(1);
    expect(fromToml.output).toContain(`${config} vars.STATEWARD_POLICY:2: rules: unknown field(s) storage-clas`);
  }, 60_000);

  it("hands a valid policy to wrangler deploy as STATEWARD_POLICY (dry run: bundled, not uploaded)", async () => {
    const { code, output } = await deploy(["--dry-run", "--outdir", path.join(dir, "out")], { STATEWARD_POLICY_FILE: "policy.example.yaml" });
    expect(output).toContain("policy.example.yaml: valid policy");
    expect(output).toMatch(/env\.STATEWARD_POLICY .*Environment Variable/);
    expect(output).toContain("--dry-run: exiting now.");
    expect(code).toBe(0);
  }, 90_000);
});
