/**
 * The plain reader against the `yaml` package: wherever the plain reader answers, its objects (key order included)
 * and the lines of their fields and items are the ones the `yaml` package gives; where the `yaml` package reports an
 * error, the plain reader does not answer. On the repository's manifests and on generated text.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LineCounter, parseAllDocuments, stringify } from "yaml";
import { placeOf } from "../../src/cli/locate.js";
import { readPlainYaml } from "../../src/cli/plain-yaml.js";

const root = join(import.meta.dirname, "..", "..");

/** What the `yaml` package makes of the text, in the plain reader's terms; undefined when it reports an error. */
function viaYaml(text: string) {
  const lines = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const documents = Array.isArray(parsed) ? parsed : [];
  if (documents.some((document) => document.errors.length > 0)) return undefined;
  // A document without a value (empty, or a trailing `---`) gives no object either way.
  return documents
    .map((document) => ({ document, value: document.toJS({ maxAliasCount: 100 }) as unknown }))
    .filter(({ value }) => value !== null && value !== undefined)
    .map(({ document, value }) => {
      const place = placeOf(document.contents, lines);
      return { value, written: place.value, line: place.line };
    });
}

/** Keys in order too: an object's key order is the order findings and output follow. */
const ordered = (value: unknown) => JSON.stringify(value, (_key, v: unknown) => (v instanceof Map ? [...v] : v));

/** Returns whether the plain reader answered; fails when it answers differently from the `yaml` package. */
function agrees(text: string): boolean {
  const plain = readPlainYaml(text);
  if (plain === undefined) return false;
  const expected = viaYaml(text);
  expect(expected, `the yaml package reports an error for:\n${text}`).toBeDefined();
  expect(plain).toStrictEqual(expected);
  expect(ordered(plain)).toBe(ordered(expected));
  return true;
}

describe("the plain YAML reader", () => {
  it("reads the repository's manifests as the yaml package does, and most of them itself", () => {
    const files = execFileSync("git", ["ls-files", "*.yaml", "*.yml"], { cwd: root, encoding: "utf8" }).split("\n").filter(Boolean);
    expect(files.length).toBeGreaterThan(80);
    const read = files.filter((file) => agrees(readFileSync(join(root, file), "utf8")));
    expect(read.length).toBeGreaterThan(files.length / 2);
  });

  it("reads the seeds themselves", () => {
    for (const seed of ["000-web.yaml", "002-mysql.yaml", "003-backend.yaml"]) {
      expect(agrees(readFileSync(join(root, "test", "fixtures", "seeds", seed), "utf8"))).toBe(true);
    }
  });

  it("answers as the yaml package does for objects the yaml package writes, and for those written with comments", () => {
    const text = (maxLength: number) => fc.string({ unit: fc.constantFrom(..."ab1.-_/ :#'\"[]{}~"), maxLength });
    const scalar = fc.oneof(
      text(12),
      fc.string({ maxLength: 6 }),
      fc.constantFrom("80", "0x1F", "0o17", "-1.5e3", ".inf", "-.Inf", ".NaN", "null", "~", "True", "yes", "a b", "it's", "#x", "a #b", "[a]", "{}", "-x", "- x"),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
    );
    const key = fc.oneof(text(8), fc.constantFrom("a", "b", "80", "true", "a.b/c", "x-y", "a b", "-k", "k#", "k #", "'q'"));
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: "small" }, scalar, tie("array"), tie("object")),
      array: fc.array(tie("value"), { maxLength: 4 }),
      object: fc.dictionary(key, tie("value"), { maxKeys: 5 }),
    }));
    const documents = fc.array(fc.dictionary(key, value, { minKeys: 1, maxKeys: 6 }), { minLength: 1, maxLength: 3 });
    let answered = 0;
    fc.assert(
      fc.property(documents, fc.boolean(), fc.integer({ min: 1, max: 4 }), fc.nat(), (objects, indentSeq, indent, seed) => {
        const texts = objects.map((object) => stringify(object, { indentSeq, indent, lineWidth: 0 }));
        let text = texts.join("---\n");
        // Comments and blank lines at places picked by the seed.
        const lines = text.split("\n");
        const at = seed % (lines.length + 1);
        const spaces = " ".repeat(seed % 7);
        const extra = [`${spaces}# a comment`, "", `${spaces}`][seed % 3]!;
        text = [...lines.slice(0, at), extra, ...lines.slice(at)].join("\n");
        if (agrees(text)) answered++;
      }),
      { numRuns: 1500 },
    );
    expect(answered).toBeGreaterThan(100);
  });

  it("answers only as the yaml package does for text made of YAML's pieces, most of it not plain", () => {
    const piece = fc.constantFrom(
      "a", "b", "k8s", "80", "~", "null", "true", "0x1F", "-1", "1.50", ".inf", "x y", "a#b", "x:y", "é",
      ":", ": ", " : ", "- ", "-", "-- ", "? ", "#", " #", " # c", "---", "--- ", "...", "%YAML 1.2",
      "\"q\"", "\"a\\\"b\"", "'s'", "'it''s'", "\"", "'", "[", "]", "[a, 1]", "[ \"x\" ]", "[a,]", "{", "}", "{}", "{a: 1}",
      "|", ">-", "&a ", "*a", "!!str ", "!t ", "@", "`", ",", "\t", "\r", "  ", "    ",
    );
    const line = fc.array(piece, { maxLength: 6 }).map((parts) => parts.join(""));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 10 }), (lines) => {
        agrees(lines.join("\n"));
      }),
      { numRuns: 3000 },
    );
  });

  it("leaves nesting deeper than the stack to the yaml package instead of throwing", () => {
    const depth = 10_000;
    const text = Array.from({ length: depth }, (_, i) => `${" ".repeat(i)}a:`).join("\n");
    expect(() => readPlainYaml(text)).not.toThrow();
  });

  it("leaves what it does not read to the yaml package", () => {
    for (const text of [
      "a: &x 1\nb: *x\n",
      "a: |\n  text\n",
      "a: \"line\\nbreak\"\n",
      "a: 1\na: 2\n",
      "a:\tb\n",
      "a: b\r\n",
      "a: caf\u00e9\n",
      "a: b\n  c\n",
      "- a\n",
      "a: !!str 1\n",
      "%YAML 1.2\n---\na: 1\n",
      "__proto__: 1\n",
    ]) {
      expect(readPlainYaml(text), text).toBeUndefined();
    }
  });
});
