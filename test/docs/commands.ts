/**
 * The commands the documents tell a user to type: every command line of their sh blocks, as one string each (a
 * line continued with `\`, or a pipe continued on the next line, is one line joined by a space; a quoted text over
 * several lines keeps its line breaks), as bash would run it, with a trailing `# comment` taken off.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, type RunningServer, start } from "../../scripts/servers.js";
import { repoRoot } from "../../scripts/gen-doc-outputs.js";

/** The documents whose commands must each have a test: the README and the guides it sends a user to for deploying and CI. */
export const commandDocuments = ["README.md", "docs/deploy.md", "docs/ci.md"] as const;

export interface TypedCommand {
  command: string;
  /** The comment after it, where the document gives one (for example the answer to expect). */
  comment: string | undefined;
  file: string;
  line: number;
  /** Whether the block is followed by a generated output block, so that test/docs/outputs.test.ts runs it. */
  hasOutputBlock: boolean;
}

const fence = /^(\s*)```(\S*)\s*$/;
const comment = /\s+#\s(.*)$/;

/** An odd number of unescaped double quotes, outside single quotes: the command goes on on the next line. */
function opensQuote(text: string): boolean {
  let single = false;
  let double = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\\" && !single) i++;
    else if (c === "'" && !double) single = !single;
    else if (c === '"' && !single) double = !double;
  }
  return double || single;
}

export function typedCommands(file: string, text: string): TypedCommand[] {
  const lines = text.split("\n");
  const found: TypedCommand[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = fence.exec(lines[i]!);
    if (!open) continue;
    const [, indent = "", language = ""] = open;
    let end = i + 1;
    while (end < lines.length && lines[end] !== `${indent}\`\`\``) end++;
    if (language === "sh" || language === "bash") {
      const hasOutputBlock = /^\s*<!-- output of the command above -->\s*$/.test(
        lines.slice(end + 1).find((l) => l.trim() !== "") ?? "",
      );
      let pending: { text: string; comment: string | undefined; line: number } | undefined;
      const flush = () => {
        if (pending && pending.text.trim() !== "") {
          found.push({ command: pending.text.trim(), comment: pending.comment, file, line: pending.line, hasOutputBlock });
        }
        pending = undefined;
      };
      for (let j = i + 1; j < end; j++) {
        const raw = lines[j]!.slice(indent.length);
        const inQuote = pending !== undefined && opensQuote(pending.text);
        const said = inQuote ? undefined : comment.exec(raw);
        const body = said ? raw.slice(0, said.index) : raw;
        const continues = pending !== undefined && (inQuote || /\\\s*$/.test(pending.text) || /^\s*\|/.test(body));
        if (!continues) flush();
        if (pending && inQuote) pending.text = `${pending.text}\n${body}`;
        else if (pending) pending.text = `${pending.text.replace(/\s*\\\s*$/, "")} ${body.trimStart()}`;
        else pending = { text: body, comment: undefined, line: j + 1 };
        if (said) pending.comment = said[1]!.trim();
      }
      flush();
    }
    i = end;
  }
  return found;
}

/** Every command of the command documents, in order. */
export function allTypedCommands(): TypedCommand[] {
  return commandDocuments.flatMap((file) => typedCommands(file, readFileSync(join(repoRoot, file), "utf8")));
}

/** The command as the documents give it; throws when none has it any more, so that a test never types an old form. */
export function typed(command: string): TypedCommand {
  const found = allTypedCommands().find((c) => c.command === command);
  if (!found) throw new Error(`no document has the command any more: ${command}`);
  return found;
}

/**
 * `npm run dev` as a documented command runs it, from the repository, on free ports and with a fresh state folder
 * under `work` instead of 8787 and .wrangler/state (README: "npm run dev -- --port 9000 picks another").
 */
export async function npmRunDev(command: string, work: string, env: NodeJS.ProcessEnv = {}): Promise<RunningServer> {
  const port = await freePort();
  const state = mkdtempSync(join(work, "state-"));
  const flags = `--port ${port} --inspector-port ${await freePort()} --persist-to ${state} --show-interactive-dev-session=false`;
  const extra = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  const foreground = command.replace(/\s*&$/, "");
  const script = `${foreground}${foreground.includes(" -- ") ? "" : " --"} ${flags}`;
  return start(command, "bash", ["-c", script], port, 90_000, extra);
}
