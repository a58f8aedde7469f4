/**
 * A fresh clone, as a new user has it: the repository's files, `npm ci`, then the README's `npx stateward ...`
 * (npx crashed with ERR_MODULE_NOT_FOUND for dist/cli.js until someone ran the build; bin/stateward.js now builds it).
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runProcess } from "../pack/process.js";
import { repoRoot } from "./io.js";

const work = mkdtempSync(path.join(tmpdir(), "stateward-fresh-clone-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("a fresh clone", () => {
  it("runs npx stateward after npm ci", async () => {
    // The files a clone holds: tracked ones and new ones not ignored (so the test sees uncommitted work too).
    const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], { cwd: repoRoot, encoding: "utf8" })
      .split("\0")
      .filter(Boolean);
    for (const file of files) {
      mkdirSync(path.join(work, path.dirname(file)), { recursive: true });
      try {
        cpSync(path.join(repoRoot, file), path.join(work, file));
      } catch (error) {
        if ((error as { code?: string }).code !== "ENOENT") throw error; // deleted but not yet committed
      }
    }
    const env = { ...process.env, NO_COLOR: "1", npm_config_loglevel: "error", npm_config_fund: "false", npm_config_audit: "false" };
    const install = await runProcess("npm", ["ci", "--prefer-offline"], { cwd: work, env });
    expect(install.code, install.stderr).toBe(0);
    const checked = await runProcess("npx", ["stateward", "check", "examples/broken"], { cwd: work, env });
    expect(checked.stderr).toBe("stateward: dist/ is not built in this clone; building it (npm run build)\n");
    expect(checked.stdout).toMatch(/^7 objects checked in 7 files, \d+ denied, /m);
    expect(checked.code).toBe(1);
  }, 600_000);
});
