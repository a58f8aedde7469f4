import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { emptyClusterView } from "../src/cluster/view.js";
import { createApp } from "../src/http/app.js";
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
  it("shows the real answer to the broken example's curl", async () => {
    const app = createApp({
      config: () => ({ token: undefined, policy: loadPolicy(undefined), cluster: emptyClusterView() }),
      log: () => {},
    });
    const response = await app.fetch(
      new Request("http://127.0.0.1:8787/validate", {
        method: "POST",
        body: readFileSync("examples/admission/web-broken.json", "utf8"),
      }),
    );
    const shown = JSON.parse(blockAfter("--data @examples/admission/web-broken.json", "json"));
    expect(await response.json()).toEqual(shown);
  });

  it("gives a policy example that loads", () => {
    const state = loadPolicy(blockAfter("## Policy", "yaml"));
    expect(state.ok).toBe(true);
  });
});
