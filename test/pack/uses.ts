/**
 * Stand-ins for the actions action.yml uses, restating from each action's own source what it does with its inputs,
 * as far as a test can check it here: the inputs it declares (its action.yml at the major version pinned), how it
 * resolves the paths it is given, and what fails its step. Nothing of GitHub's runs; an input a stand-in cannot judge
 * faithfully fails the test.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { sarifProblems } from "../sarif.js";
import type { StandIn } from "./actions-runner.js";

/** The inputs each action declares at the major version pinned (actions/setup-node v4, upload-sarif v3). */
export const declaredInputs: Record<string, string[]> = {
  "actions/setup-node@v4": [
    "node-version", "node-version-file", "architecture", "check-latest", "registry-url", "scope", "token", "cache",
    "cache-dependency-path", "mirror", "mirror-token", "always-auth",
  ],
  "github/codeql-action/upload-sarif@v3": [
    "sarif_file", "checkout_path", "ref", "sha", "token", "matrix", "category", "wait-for-processing",
  ],
};

function undeclared(uses: string, inputs: Record<string, string>): void {
  for (const name of Object.keys(inputs)) {
    if (!declaredInputs[uses]?.includes(name)) throw new Error(`${uses} declares no input ${name}`);
  }
}

const failed = (message: string) => ({ code: 1, stdout: `::error::${message}\n`, stderr: "" });
const succeeded = (stdout: string) => ({ code: 0, stdout, stderr: "" });

/**
 * actions/setup-node@v4. Node itself: the job's PATH already holds the test's Node (`major`), so the version asked for
 * must be that one. Its cache (src/cache-restore.ts): with `cache`, each line of cache-dependency-path is hashed by
 * @actions/glob's hashFiles, which passes over any file not under GITHUB_WORKSPACE ("Ignore ... since it is not under
 * GITHUB_WORKSPACE"); nothing hashed fails the step. Without cache-dependency-path the lockfile is looked for at the
 * workspace's root.
 */
export function setupNode(major: string): StandIn {
  return (inputs, env) => {
    undeclared("actions/setup-node@v4", inputs);
    if (inputs["node-version"] !== major) throw new Error(`setup-node is asked for Node ${inputs["node-version"]}; this test provides Node ${major}`);
    if (!inputs.cache) return succeeded(`Node ${major} set up, no cache\n`);
    const workspace = env.GITHUB_WORKSPACE!;
    const lines = (inputs["cache-dependency-path"] || "package-lock.json").split("\n").map((l) => l.trim()).filter(Boolean);
    const hashed = lines.filter((line) => {
      if (/[*?[{]/.test(line)) throw new Error(`cache-dependency-path ${line}: this stand-in resolves plain paths only`);
      const file = path.resolve(workspace, line);
      return file.startsWith(`${workspace}${path.sep}`) && existsSync(file) && statSync(file).isFile();
    });
    if (hashed.length === 0) return failed("Some specified paths were not resolved, unable to cache dependencies.");
    return succeeded(`Node ${major} set up, npm cache keyed on ${hashed.join(", ")}\n`);
  };
}

/**
 * github/codeql-action/upload-sarif@v3: sarif_file, relative to the workspace, is a file or a folder whose .sarif files
 * are all sent; each must parse as JSON and be SARIF that code scanning takes (its validateSarifFileSchema; here
 * test/sarif.ts), or the step fails. The logs it would send are pushed to `uploaded`.
 */
export function uploadSarif(uploaded: unknown[]): StandIn {
  return (inputs, env) => {
    undeclared("github/codeql-action/upload-sarif@v3", inputs);
    const given = path.resolve(env.GITHUB_WORKSPACE!, inputs.sarif_file ?? "../results");
    if (!existsSync(given)) return failed(`Path does not exist: ${given}`);
    const files = statSync(given).isDirectory()
      ? readdirSync(given).filter((f) => f.endsWith(".sarif")).map((f) => path.join(given, f))
      : [given];
    if (files.length === 0) return failed(`No SARIF files found to upload in "${given}".`);
    for (const file of files) {
      let log: unknown;
      try {
        log = JSON.parse(readFileSync(file, "utf8"));
      } catch (error) {
        return failed(`Invalid SARIF. JSON syntax error: ${(error as Error).message}`);
      }
      const problems = sarifProblems(log);
      if (problems.length > 0) return failed(`Unable to upload "${file}" as it is not valid SARIF:\n${problems.join("\n")}`);
      uploaded.push(log);
    }
    return succeeded(`Uploading ${files.length} SARIF file(s), category ${inputs.category ?? ""}\n`);
  };
}
