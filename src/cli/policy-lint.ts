/** `stateward policy lint FILE...`: the policy documents' problems, one per line, before a webhook loads them. */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { formatLintProblem, lintPolicy } from "../policy/lint.js";
import { parseFlags, UsageError } from "../command/flags.js";
import { didYouMean } from "../k8s/names.js";
import type { Io } from "./io.js";

export const policyUsage = `Usage: stateward policy lint <file>...

Checks policy documents with the loader every runtime uses: unknown rule ids, default ids and keys (each with the
name it most likely meant), wrong types, bounds that cross, __proto__ keys, and the document's own bounds (1 MiB,
1,000 namespace overrides, 100 alias expansions). Each problem is printed as file:line: path: message.
A file may be - for standard input.

Exit codes: 0 valid, 1 invalid, 2 unreadable or bad usage.
`;

export interface PolicyArgs {
  subcommand: "lint";
  files: string[];
}

export function parsePolicyArgs(argv: readonly string[]): PolicyArgs {
  const { positionals } = parseFlags(argv, {});
  const [subcommand, ...files] = positionals;
  if (subcommand !== "lint") {
    const typed = subcommand ?? "";
    throw new UsageError(`unknown policy command ${JSON.stringify(typed)}${didYouMean(typed, ["lint"])}; use stateward policy lint FILE`);
  }
  if (files.length === 0) throw new UsageError("policy lint needs a file (or - for standard input)");
  return { subcommand, files };
}

/** Lints each file; the exit code is the worst of them. */
export async function runPolicy({ files }: PolicyArgs, io: Io): Promise<number> {
  let worst = 0;
  for (const file of files) {
    let text: string;
    try {
      text = file === "-" ? await io.readStdin() : await readFile(path.resolve(io.cwd, file), "utf8");
    } catch (error) {
      io.stderr(`stateward: cannot read policy ${file}: ${(error as Error).message}\n`);
      worst = 2;
      continue;
    }
    const name = file === "-" ? "<stdin>" : file;
    const problems = lintPolicy(text);
    for (const problem of problems) io.stdout(`${formatLintProblem(name, problem)}\n`);
    if (problems.length === 0) io.stdout(`${name}: valid policy\n`);
    else worst = Math.max(worst, 1);
  }
  return worst;
}
