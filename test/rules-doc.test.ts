import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { defaults } from "../src/defaults/index.js";
import { builtInChecks, rules } from "../src/rules/index.js";
import {
  committedReadmeTable,
  policyExamplePath,
  readmePath,
  renderPolicyExample,
  renderReadmeTable,
  renderRulesDoc,
  rulesDocPath,
} from "../scripts/gen-rules-doc.js";

describe("docs/rules.md", () => {
  const committed = readFileSync(rulesDocPath, "utf8");

  it("equals what scripts/gen-rules-doc.ts renders from the registries (run `npm run docs:rules` to refresh)", () => {
    expect(committed).toBe(renderRulesDoc());
  });

  it("documents every rule with its default action and every default", () => {
    for (const rule of rules) {
      const section = committed.split(`### \`${rule.id}\`\n`)[1]?.split("\n### ")[0];
      expect(section, rule.id).toBeDefined();
      expect(section).toContain(`- Default action: \`${rule.defaultAction}\``);
    }
    for (const d of defaults) expect(committed).toContain(`### \`${d.id}\`\n`);
    for (const check of builtInChecks) expect(committed).toContain(`### \`${check.id}\`\n`);
  });

  it("lists each parameter with its default from the zod schema", () => {
    const section = committed.split("### `storage-access-modes`\n")[1]!.split("\n### ")[0]!;
    expect(section).toContain(
      '| `allowed` | list of "ReadWriteOnce" \\| "ReadOnlyMany" \\| "ReadWriteMany" \\| "ReadWriteOncePod" | `["ReadWriteOnce","ReadOnlyMany","ReadWriteMany","ReadWriteOncePod"]` | Access modes a claim may ask for. |',
    );
    expect(committed.split("### `storage-request`\n")[1]).toMatch(/\| `max` \| string \| unset \| Largest storage request/);
  });
});

describe("README.md's rules table", () => {
  it("equals what scripts/gen-rules-doc.ts renders from the registry, built-in checks included", () => {
    const table = committedReadmeTable(readFileSync(readmePath, "utf8"));
    expect(table).toBe(renderReadmeTable());
    for (const id of [...rules, ...builtInChecks].map((c) => c.id)) expect(table).toContain(`| \`${id}\` |`);
  });
});

describe("policy.example.yaml's entries", () => {
  const committed = readFileSync(policyExamplePath, "utf8");

  it("holds an entry for every rule and default of the registries (run `npm run docs:rules` to add a new one)", () => {
    expect(renderPolicyExample(committed)).toBe(committed);
  });

  it("writes a missing rule's entry from the registry after the rule before it, keeping every hand-written entry", () => {
    const handWritten = "  statefulset-readiness-probe:\n    action: warn # every container has a readinessProbe when pods start in order (OrderedReady)\n";
    expect(committed).toContain(handWritten);
    const without = committed.replace(handWritten, "");
    const rendered = renderPolicyExample(without);
    const readiness = rules.find((r) => r.id === "statefulset-readiness-probe")!;
    const before = rules[rules.indexOf(readiness) - 1]!;
    const at = rendered.indexOf("  statefulset-readiness-probe:\n");
    expect(at).toBeGreaterThan(rendered.indexOf(`  ${before.id}:\n`));
    expect(rendered.slice(at)).toMatch(/^ {2}statefulset-readiness-probe:\n(?: {4}#.*\n)+ {4}action: warn\n/);
    expect(rendered.replace(/ {2}statefulset-readiness-probe:\n(?: {4}#.*\n)+ {4}action: warn\n/, "")).toBe(without);
  });
});
