import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { defaults } from "../src/defaults/index.js";
import { builtInChecks, rules } from "../src/rules/index.js";
import { committedReadmeTable, readmePath, renderReadmeTable, renderRulesDoc, rulesDocPath } from "../scripts/gen-rules-doc.js";

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
