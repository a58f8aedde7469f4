/**
 * The worked example's curl commands (every output block whose command names http://127.0.0.1:8787) sent to
 * `wrangler dev`, which is what the README tells a user to start: it must answer with the bytes the documents show,
 * the same bytes the Node server answers in outputs.test.ts. An end-to-end test (`npm run test:e2e`): it starts
 * wrangler and workerd.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { documents, generate, type OutputBlock, outputBlocks, repoRoot, serverPool, usesServer } from "../../scripts/gen-doc-outputs.js";
import { npmRunDev as startNpmRunDev, typed } from "./commands.js";

const blocks = documents().flatMap((file) => outputBlocks(file, readFileSync(join(repoRoot, file), "utf8")));
const name = (block: OutputBlock) => `${block.file}:${block.line}: ${block.command.split("\n")[0]}`;

describe("wrangler dev, as the worked example runs it", () => {
  const served = blocks.filter(usesServer);
  const persistTo = mkdtempSync(join(tmpdir(), "stateward-doc-outputs-"));
  // What the worked example tells a user to start, on a free port and with an empty state folder (a user's first run).
  const npmRunDev = typed("npm ci && npm run dev").command.replace(/^npm ci && /, "");
  const servers = serverPool((token) => startNpmRunDev(token ? `${npmRunDev} -- --var WEBHOOK_TOKEN:${token}` : npmRunDev, persistTo));
  afterAll(async () => {
    await servers.close();
    rmSync(persistTo, { recursive: true, force: true });
  });

  it("answers every command of the documents that names 127.0.0.1:8787 with the bytes shown", { timeout: 240_000 }, async () => {
    expect(served.length).toBeGreaterThan(0);
    for (const block of served) expect(await generate(block, servers.start), `${name(block)} on npm run dev`).toBe(block.committed);
  });
});
