import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadPolicy } from "../src/policy/policy.js";

const readme = readFileSync("README.md", "utf8");

/** The first fenced block of `language` after `marker` in the README. */
function blockAfter(marker: string, language: string): string {
  const at = readme.indexOf(marker);
  expect(at, `README mentions ${marker}`).toBeGreaterThanOrEqual(0);
  const rest = readme.slice(at);
  const start = rest.indexOf("```" + language + "\n") + language.length + 4;
  return rest.slice(start, rest.indexOf("```", start));
}

describe("README", () => {
  it("gives a policy example that loads", () => {
    const state = loadPolicy(blockAfter("## Policy", "yaml"));
    expect(state.ok).toBe(true);
  });

  it("installs the command from the tarball npm pack makes, the way test/pack installs it", () => {
    const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
    for (const doc of [readme, readFileSync("docs/ci.md", "utf8")]) {
      const section = doc.slice(doc.indexOf("## Check your manifests in CI"));
      const install = section.slice(section.indexOf("```sh\n"), section.indexOf("```", section.indexOf("```sh\n") + 5));
      expect(install).toContain("npm ci && npm pack");
      expect(install).toContain(`npm install --global ./stateward-${version}.tgz`);
      // The registry has no release yet: the name alone is offered only as what works once one is published.
      expect(section.match(/npm install --global stateward\b/g)).toHaveLength(1);
      expect(section).toContain("Once a release has been published,\n`npm install --global stateward`");
    }
  });
});
