/** A rule's tests are found from its id: test/rules/<id>.test.ts, for every rule of the registry and nothing else. */
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { rules } from "../../src/rules/index.js";
import { findingsOf } from "./run.js";

const here = fileURLToPath(new URL(".", import.meta.url));
/** Tests of all rules together over the fixtures, not of one rule. */
const sweeps = ["layout", "examples", "statefulset-corpus", "storage-corpus"];

describe("rule tests", () => {
  it("has test/rules/<id>.test.ts for every rule of the registry, and no test file for a rule that is gone", () => {
    const files = readdirSync(here)
      .filter((f) => f.endsWith(".test.ts"))
      .map((f) => f.slice(0, -".test.ts".length))
      .filter((name) => !sweeps.includes(name));
    expect(files.sort()).toEqual(rules.map((rule) => rule.id).sort());
  });

  it("refuses to pick findings by an id the registry does not hold", () => {
    expect(() => findingsOf("statefulset-headless-servce", [])).toThrow(/no rule "statefulset-headless-servce" in the registry/);
    expect(findingsOf("statefulset-headless-service", [])).toEqual([]);
  });
});
