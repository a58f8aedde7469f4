/** The `--policy FILE` of check, mutate and audit: read and built as the webhook builds it, or reported. */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Policy } from "../engine/types.js";
import { loadPolicy } from "../policy/policy.js";
import type { Io } from "./io.js";

/** The policy, or undefined once the problem is on standard error; no file means the built-in defaults. */
export async function readPolicy(file: string | undefined, io: Io): Promise<Policy | undefined> {
  let text: string | undefined;
  if (file !== undefined) {
    try {
      text = await readFile(path.resolve(io.cwd, file), "utf8");
    } catch (error) {
      io.stderr(`stateward: cannot read policy ${file}: ${(error as Error).message}\n`);
      return undefined;
    }
  }
  const state = loadPolicy(text);
  if (!state.ok) {
    io.stderr(`stateward: ${file}: ${state.error}\n`);
    return undefined;
  }
  return state.policy;
}
