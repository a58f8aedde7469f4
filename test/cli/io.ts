/** Runs the CLI in-process with captured streams, from the repository root. */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "../../src/cli/main.js";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(
  argv: string[],
  options: { stdin?: string; isTTY?: boolean; env?: Record<string, string | undefined>; cwd?: string } = {},
): Promise<Captured> {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    readStdin: async () => {
      if (options.stdin === undefined) throw new Error("no standard input in this test");
      return options.stdin;
    },
    cwd: options.cwd ?? repoRoot,
    env: options.env ?? {},
    isTTY: options.isTTY ?? false,
  });
  return { code, stdout, stderr };
}

/** The findings of a text report as `file:line rule-id action`, the part a test pins. */
export function findingLines(stdout: string): string[] {
  return stdout
    .split("\n")
    .map((line) => /^(\S+?:\d+): (deny|warn): .* \[([a-z0-9-]+)\]$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]} ${m[3]} ${m[2]}`);
}
