/**
 * Command-line flags for every command: node:util's parseArgs splits them, and a mistyped command or flag gets the
 * nearest known name as a suggestion. Below both the CLI's commands and the Node server's, which parse flags alike.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { didYouMean } from "../k8s/names.js";

export class UsageError extends Error {
  override name = "UsageError";
}

export type FlagSpec = NonNullable<ParseArgsConfig["options"]>;

/**
 * parseArgs in strict mode with positionals, whose errors become UsageErrors that name the nearest known flag.
 * @example parseFlags(["--polcy", "p.yaml"], { policy: { type: "string" } }) // UsageError: ...; did you mean --policy?
 */
export function parseFlags<const T extends FlagSpec>(argv: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    if (code !== "ERR_PARSE_ARGS_UNKNOWN_OPTION") throw new UsageError(message);
    const typed = /'(-{1,2}[^'=\s]*)/.exec(message)?.[1] ?? "";
    const flag = typed.replace(/^-+/, "");
    return throwUnknownFlag(typed, flag, Object.keys(options));
  }
}

function throwUnknownFlag(typed: string, flag: string, known: string[]): never {
  throw new UsageError(`unknown option ${typed}${didYouMean(flag, known, (name) => `--${name}`)}`);
}
