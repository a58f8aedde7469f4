/**
 * Every output block of README.md and docs/*.md (a fenced block after `<!-- output: ... -->` or `<!-- output of the
 * command above -->`) equals what its command prints now. The commands run as scripts/gen-doc-outputs.ts runs them
 * (`npm run docs:readme` rewrites the blocks); the worked example's curl commands go to the Node server there and here
 * (outputs-wrangler-dev.test.ts sends them to `wrangler dev` too, an end-to-end test).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startNodeServer } from "../../scripts/servers.js";
import {
  documents,
  generate,
  type OutputBlock,
  outputBlocks,
  repoRoot,
  runBlock,
  serverPool,
  withOutputs,
} from "../../scripts/gen-doc-outputs.js";

const blocks = documents().flatMap((file) => outputBlocks(file, readFileSync(join(repoRoot, file), "utf8")));
const name = (block: OutputBlock) => `${block.file}:${block.line}: ${block.command.split("\n")[0]}`;
const stale = (block: OutputBlock) => `${block.file}:${block.line} is stale; run \`npm run docs:readme\` to regenerate it`;

describe("the documents' output blocks", () => {
  const servers = serverPool((token) => startNodeServer(token ? { WEBHOOK_TOKEN: token } : {}));
  afterAll(() => servers.close());

  it("include the worked example, the broken examples and the real-world manifests", () => {
    const commands = blocks.map((b) => b.command).join("\n");
    const shown = ["examples/admission/web.json", "examples/admission/web-broken.json", "check examples/broken", "yolean-kafka__zookeeper__", "cassandra"];
    for (const part of shown) expect(commands).toContain(part);
  });

  it.each(blocks.map((block) => [name(block), block] as const))("%s", async (_, block) => {
    expect(await generate(block, servers.start), stale(block)).toBe(block.committed);
  });
});

describe("scripts/gen-doc-outputs.ts", () => {
  const document = [
    "Text.",
    "",
    "```sh",
    "echo one \\",
    "  two",
    "```",
    "",
    "<!-- output of the command above -->",
    "```text",
    "stale",
    "```",
    "",
    "1. In a list:",
    "   <!-- output: printf 'a\\n\\nb\\n' -->",
    "   ```",
    "   ```",
  ].join("\n");

  it("reads the command above a marker or in it, and writes outputs in place, indentation kept", async () => {
    const found = outputBlocks("doc.md", document);
    expect(found.map((b) => [b.line, b.command, b.committed])).toEqual([
      [8, "echo one \\\n  two", "stale\n"],
      [14, "printf 'a\\n\\nb\\n'", ""],
    ]);
    const outputs = await Promise.all(found.map((b) => runBlock(b, undefined)));
    expect(outputs).toEqual(["one two\n", "a\n\nb\n"]);
    const written = withOutputs(document, found, outputs);
    expect(written.split("\n").slice(8, 11)).toEqual(["```text", "one two", "```"]);
    expect(written.split("\n").slice(-5)).toEqual(["   ```", "   a", "", "   b", "   ```"]);
    expect(outputBlocks("doc.md", written).map((b) => b.committed)).toEqual(outputs);
  });

  it("refuses a marker without a block, or without a sh block above", () => {
    expect(() => outputBlocks("doc.md", "<!-- output: true -->\ntext\n")).toThrow(
      "doc.md:1: the output marker must be followed directly by a fenced block",
    );
    expect(() => outputBlocks("doc.md", "```yaml\na: 1\n```\n<!-- output of the command above -->\n```\n```\n")).toThrow(
      "doc.md:4: the block above the output marker is not a sh block",
    );
  });
});
