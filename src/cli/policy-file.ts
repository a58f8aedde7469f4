/** The `--policy FILE` of check, mutate and audit: read and built as the webhook builds it, or reported. */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Policy } from "../engine/types.js";
import { formatProblem, loadPolicy } from "../policy/policy.js";
import type { Io } from "./io.js";
import { type InputProblem, where } from "./load.js";

export type PolicyRead = { ok: true; policy: Policy } | { ok: false; problems: InputProblem[] };

/** The policy, or its problems, each at its line of the file; no file means the built-in defaults. */
export async function readPolicyFile(file: string | undefined, io: Io): Promise<PolicyRead> {
  let text: string | undefined;
  if (file !== undefined) {
    try {
      text = await readFile(path.resolve(io.cwd, file), "utf8");
    } catch (error) {
      const { code, message } = error as { code?: string; message: string };
      const reason = code === "ENOENT" ? "no such file or directory" : code === "EISDIR" ? "is a directory" : message;
      return { ok: false, problems: [{ file, message: `cannot read policy: ${reason}` }] };
    }
  }
  const state = loadPolicy(text);
  if (state.ok) return state;
  const problems = state.problems.map((problem) => ({
    file: file ?? "<policy>",
    ...(problem.line === undefined ? {} : { line: problem.line }),
    message: `invalid policy: ${formatProblem(problem)}`,
  }));
  return { ok: false, problems };
}

/** A policy problem as the command line prints it on standard error, as a compiler would: `file:line: error: ...`. */
export const policyErrorLine = (problem: InputProblem) => `${where(problem)}: error: ${problem.message}\n`;

/** The policy, or undefined once its problems are on standard error. */
export async function readPolicy(file: string | undefined, io: Io): Promise<Policy | undefined> {
  const read = await readPolicyFile(file, io);
  if (read.ok) return read.policy;
  for (const problem of read.problems) io.stderr(policyErrorLine(problem));
  return undefined;
}
