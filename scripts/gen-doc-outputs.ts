/**
 * The example outputs of README.md and docs/*.md, made by running their commands: a fenced block right after a marker
 *
 *   <!-- output: COMMAND -->                  COMMAND, one line
 *   <!-- output of the command above -->      the fenced sh block just above the marker, as a script
 *
 * holds what the command printed (standard output and standard error, interleaved as a terminal shows them). Commands
 * run in bash from the repository root (LC_ALL=C, so that globs expand in one order), as a user in a clone types them:
 * `stateward` is the built CLI (bin/stateward.js; `npm run build` first), `npx stateward` finds the same, and curl and
 * jq are the machine's.
 * test/docs/outputs.test.ts fails when a block differs from a fresh run, naming it and showing the difference.
 *
 *   npm run docs:readme       (builds the CLI, then rewrites every block)
 *
 * What a run cannot reproduce byte for byte is normalised, never hidden (see `normalise`):
 * - The worked example's `npm run dev` listens on 127.0.0.1:8787. Here the same app runs as the Node server
 *   (`stateward serve`, built-in policy, an empty cluster view) on a free port (see `serverPool`), and each command's
 *   http://127.0.0.1:8787 is pointed at it; test/docs/outputs-wrangler-dev.test.ts also sends every such command to `npm run dev`
 *   (wrangler dev, as the README says to start it) and requires the very same bytes. A command that names `$WEBHOOK_TOKEN` or `$TOKEN` gets a server
 *   started with that token (`exampleToken`), and the variables set to it.
 * - A last line without a line break gets one (a shell prints its prompt on the next line anyway).
 * - ISO-8601 timestamps (a sync's `syncedAt`) are shown as 2026-01-01T00:00:00.000Z.
 * - The repository's absolute path is shown as `.`, a temporary folder's as `$TMPDIR`.
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { runProcess } from "../test/pack/process.js";

export const repoRoot = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");

/** The documents whose output blocks are generated: README.md and every docs/*.md. */
export function documents(): string[] {
  const docs = readdirSync(join(repoRoot, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => `docs/${name}`);
  return ["README.md", ...docs];
}

/** The address the documents' commands name: `npm run dev` (wrangler dev) as wrangler.toml's [dev] section sets it. */
export const documentedServer = "http://127.0.0.1:8787";

export interface OutputBlock {
  /** Repository-relative path of the document. */
  file: string;
  /** 1-based line of the marker. */
  line: number;
  /** The script that produces the output, as the document gives it. */
  command: string;
  /** The block's text as committed, without its fences and indentation, ending in a newline unless empty. */
  committed: string;
  /** Where the block's content starts and ends in the document's lines (0-based, end exclusive), and its indentation. */
  contentStart: number;
  contentEnd: number;
  indent: string;
}

const markerPattern = /^(\s*)<!-- output(?:: (.+?)| (of the command above)) -->\s*$/;
const fencePattern = /^(\s*)(`{3,})(\S*)\s*$/;

/** The output blocks of one document, in order. Throws on a marker that is not followed by a fenced block. */
export function outputBlocks(file: string, text: string): OutputBlock[] {
  const lines = text.split("\n");
  const blocks: OutputBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const marker = markerPattern.exec(lines[i]!);
    if (!marker) continue;
    const where = `${file}:${i + 1}`;
    const command = marker[2] ?? commandAbove(lines, i, where);
    const open = fencePattern.exec(lines[i + 1] ?? "");
    if (!open) throw new Error(`${where}: the output marker must be followed directly by a fenced block`);
    const [, indent = "", fence = "```"] = open;
    let close = i + 2;
    while (close < lines.length && lines[close] !== `${indent}${fence}`) close++;
    if (close >= lines.length) throw new Error(`${where}: the fenced block after the output marker is not closed`);
    const content = lines.slice(i + 2, close).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l));
    blocks.push({
      file,
      line: i + 1,
      command,
      committed: content.length === 0 ? "" : `${content.join("\n")}\n`,
      contentStart: i + 2,
      contentEnd: close,
      indent,
    });
  }
  return blocks;
}

/** The sh block that ends right above the marker at `at` (blank lines between them allowed). */
function commandAbove(lines: string[], at: number, where: string): string {
  let end = at - 1;
  while (end >= 0 && lines[end]!.trim() === "") end--;
  const closing = fencePattern.exec(lines[end] ?? "");
  if (!closing || closing[3]) throw new Error(`${where}: "output of the command above" needs a fenced sh block right above`);
  let start = end - 1;
  while (start >= 0 && !(lines[start] === `${closing[1]}${closing[2]}sh` || lines[start] === `${closing[1]}${closing[2]}bash`)) {
    if (fencePattern.exec(lines[start]!)) throw new Error(`${where}: the block above the output marker is not a sh block`);
    start--;
  }
  if (start < 0) throw new Error(`${where}: no sh block above the output marker`);
  return lines
    .slice(start + 1, end)
    .map((l) => l.slice(closing[1]!.length))
    .join("\n");
}

/** Whether a block's command talks to the documented local server. */
export const usesServer = (block: OutputBlock): boolean => block.command.includes(documentedServer);

/** The token of the server a block's command authenticates to, if it does: one that changes the cluster view. */
export const exampleToken = "example-token";
export const tokenOf = (block: OutputBlock): string | undefined =>
  /\$\{?(WEBHOOK_TOKEN|TOKEN)\b/.test(block.command) ? exampleToken : undefined;

/** A running server as scripts/servers.ts starts one. */
export interface Server {
  url: string;
  stop(): Promise<void>;
}

/**
 * Servers for the blocks, from `start`: one shared by the blocks without a token (they only ask: /validate), a fresh
 * one for each block with a token (it writes the cluster view, and must not see another block's writes).
 */
export function serverPool(start: (token: string | undefined) => Promise<Server>) {
  let shared: Promise<Server> | undefined;
  return {
    start(token: string | undefined): Promise<Server> {
      if (token) return start(token);
      shared ??= start(undefined);
      return shared.then((server) => ({ url: server.url, stop: async () => {} }));
    },
    async close(): Promise<void> {
      await (await shared)?.stop();
    },
  };
}

/**
 * What a block's command prints, with a server from `start` when it needs one (given the token it must
 * take, if any), stopped afterwards.
 */
export async function generate(block: OutputBlock, start: (token: string | undefined) => Promise<Server>): Promise<string> {
  if (!usesServer(block)) return runBlock(block, undefined);
  const server = await start(tokenOf(block));
  try {
    return await runBlock(block, server.url);
  } finally {
    await server.stop();
  }
}

/** Stateward's own settings, which would change what a command prints if the caller's environment set them. */
const cleanEnvironment = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: "C", NO_COLOR: "1", npm_config_update_notifier: "false", npm_config_fund: "false" };
  for (const key of Object.keys(env)) if (key.startsWith("STATEWARD_") || key === "WEBHOOK_TOKEN") delete env[key];
  return env;
};

let shims: string | undefined;

/** A folder holding `stateward`, the repository's built CLI, as `npm install --global` of its package provides it. */
export function shimDirectory(): string {
  if (shims) return shims;
  shims = mkdtempSync(join(tmpdir(), "stateward-doc-outputs-"));
  const bin = join(shims, "stateward");
  writeFileSync(bin, `#!/bin/sh\nexec "${process.execPath}" "${join(repoRoot, "bin", "stateward.js")}" "$@"\n`);
  chmodSync(bin, 0o755);
  const made = shims;
  process.once("exit", () => rmSync(made, { recursive: true, force: true }));
  return shims;
}

/** The text a run's output is shown as: the normalisations the header lists, and nothing else. */
export function normalise(output: string, server: string | undefined): string {
  let text = output;
  if (server) text = text.split(server).join(documentedServer);
  text = text.split(repoRoot).join(".");
  text = text.split(tmpdir()).join("$TMPDIR");
  text = text.replace(/\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z\b/g, "2026-01-01T00:00:00.000Z");
  return text === "" || text.endsWith("\n") ? text : `${text}\n`;
}

/**
 * Runs a block's command in bash from the repository root and returns what it printed, normalised. `server` is the
 * base URL that stands in for 127.0.0.1:8787; a block that uses the server without one is an error.
 */
export async function runBlock(block: OutputBlock, server: string | undefined): Promise<string> {
  if (usesServer(block) && !server) throw new Error(`${block.file}:${block.line}: the command needs the local server`);
  const script = server ? block.command.split(documentedServer).join(server) : block.command;
  const env = cleanEnvironment();
  env.PATH = `${shimDirectory()}:${env.PATH ?? ""}`;
  const token = tokenOf(block);
  if (token) Object.assign(env, { WEBHOOK_TOKEN: token, TOKEN: token });
  const result = await runProcess("bash", ["-c", `exec 2>&1\n${script}`], { cwd: repoRoot, env });
  return normalise(result.stdout, server);
}

/** The document's text with `outputs` (one per block, in order) in place of the committed blocks. */
export function withOutputs(text: string, blocks: OutputBlock[], outputs: string[]): string {
  const lines = text.split("\n");
  for (let b = blocks.length - 1; b >= 0; b--) {
    const block = blocks[b]!;
    const body = outputs[b]!.replace(/\n$/, "");
    const replacement = body === "" ? [] : body.split("\n").map((l) => (l === "" ? "" : `${block.indent}${l}`));
    lines.splice(block.contentStart, block.contentEnd - block.contentStart, ...replacement);
  }
  return lines.join("\n");
}

async function main(): Promise<void> {
  const { startNodeServer } = await import("./servers.js");
  const all = documents().map((file) => ({ file, text: readFileSync(join(repoRoot, file), "utf8") }));
  const blocks = all.map(({ file, text }) => outputBlocks(file, text));
  const servers = serverPool((token) => startNodeServer(token ? { WEBHOOK_TOKEN: token } : {}));
  try {
    for (const [d, { file, text }] of all.entries()) {
      if (blocks[d]!.length === 0) continue;
      const outputs: string[] = [];
      for (const block of blocks[d]!) outputs.push(await generate(block, servers.start));
      const updated = withOutputs(text, blocks[d]!, outputs);
      if (updated !== text) writeFileSync(join(repoRoot, file), updated);
      console.log(`${updated === text ? "unchanged" : "wrote"} ${relative(repoRoot, join(repoRoot, file))}: ${outputs.length} output block(s)`);
    }
  } finally {
    await servers.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
