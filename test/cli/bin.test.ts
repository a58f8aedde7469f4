/** The published command, run as a user runs it: a separate Node process running the compiled dist/. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./io.js";

const run = promisify(execFile);

async function stateward(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = run(process.execPath, ["bin/stateward.js", ...args], {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: "1" },
    timeout: 30_000,
  });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  }
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout: string; stderr: string };
    if (typeof e.code !== "number") throw error;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("bin/stateward.js", () => {
  it("checks the seeds and exits 0", async () => {
    const { code, stdout } = await stateward(["check", "test/fixtures/seeds"]);
    expect(code).toBe(0);
    expect(stdout).toContain('test/fixtures/seeds/002-mysql.yaml:8: warn: StatefulSet default/mysql: spec.serviceName: Not found: "mysql"');
    expect(stdout).toMatch(/9 objects checked in 9 files, none denied, \d+ warnings\n$/);
  }, 40_000);

  it("exits 1 on the broken examples and 2 on bad usage", async () => {
    expect((await stateward(["check", "examples/broken"])).code).toBe(1);
    const usage = await stateward(["check", "--output", "xml", "examples/broken"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--output takes text, json or sarif");
  }, 40_000);

  it("mutates standard input", async () => {
    const { code, stdout } = await stateward(
      ["mutate", "-"],
      "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data # keep me\nspec:\n  resources:\n    requests:\n      storage: 1Gi\n",
    );
    expect(code).toBe(0);
    expect(stdout).toContain("name: data # keep me\n");
    expect(stdout).toContain("accessModes:\n    - ReadWriteOnce\n");
  }, 40_000);
});
