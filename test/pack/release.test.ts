/**
 * The release workflow (.github/workflows/release.yml) cannot publish from here, so this checks what can be checked:
 * the actions it uses are pinned to a major version, its tag check really refuses a tag that is not the package's
 * version (the step runs), it tests with CI's own script and publishes the tarball `npm pack` made, the one the
 * README tells users to install and the pack test installs.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { repoRoot } from "../cli/io.js";
import { type Context, references, runSteps, type Step } from "./actions-runner.js";

const workflow = parse(readFileSync(path.join(repoRoot, ".github/workflows/release.yml"), "utf8")) as {
  on: { push: { tags: string[] } };
  permissions: Record<string, string>;
  jobs: { release: { steps: Step[] } };
};
const steps = workflow.jobs.release.steps;
const step = (name: string) => steps.find((s) => s.name === name)!;
const version = (JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string }).version;
const temp = mkdtempSync(path.join(tmpdir(), "stateward-release-"));

// Removing an installed node_modules took over a minute on a loaded CI machine: a hook's default limit failed the file.
afterAll(() => rmSync(temp, { recursive: true, force: true }), 300_000);

function context(tag: string): Context {
  return { inputs: {}, github: { workspace: repoRoot, ref_name: tag, token: "t" }, runner: { temp }, secrets: { NPM_TOKEN: "n" }, steps: {} };
}

const env = (tag: string) => ({ PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, GITHUB_REF_NAME: tag, RUNNER_TEMP: temp });

describe("the release workflow", () => {
  it("runs on version tags, with actions pinned to a major version", () => {
    expect(workflow.on.push.tags).toEqual(["v*"]);
    expect(workflow.permissions).toEqual({ contents: "write" });
    for (const s of steps.filter((s) => s.uses)) expect(s.uses).toMatch(/^[\w-]+\/[\w-]+@v\d+$/);
    for (const reference of references(JSON.stringify(steps))) {
      expect(steps.map((s) => s.id), reference).toContain(reference.split(".")[1]);
    }
  });

  it("refuses a tag that is not the package's version", async () => {
    const check = [step("The tag names the package's version")];
    const [matching] = await runSteps(check, context(`v${version}`), env(`v${version}`));
    expect(matching!.code, matching!.stdout).toBe(0);
    const [other] = await runSteps(check, context("v9.9.9"), env("v9.9.9"));
    expect(other!.code).toBe(1);
    expect(other!.stdout).toContain(`::error::tag v9.9.9 does not match package.json's version ${version}`);
  });

  it("tests as CI does, then publishes and attaches the one tarball npm pack made", () => {
    expect(step("Test").run).toBe("bash .ci/run");
    expect(step("Pack").run).toContain("npm pack");
    for (const name of ["Publish to npm", "Attach the tarball to the GitHub release"]) {
      expect(step(name).env?.TARBALL).toBe("${{ steps.pack.outputs.tarball }}");
    }
    expect(step("Publish to npm").run).toContain('npm publish --access public "./$TARBALL"');
    expect(step("Attach the tarball to the GitHub release").run).toContain('gh release create "$GITHUB_REF_NAME" "$TARBALL"');
  });
});
