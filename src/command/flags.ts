/**
 * Command-line flags for every command: node:util's parseArgs splits them, and a mistyped command or flag gets the
 * nearest known name as a suggestion. Below both the CLI's commands and the Node server's, which parse flags alike.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

export class UsageError extends Error {
  override name = "UsageError";
}

/** Edit distance (insertions, deletions, substitutions, and swaps of neighbours, which typing makes most often). */
function distance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/** The known name nearest to a mistyped one, if it is near enough to be what was meant. */
export function didYouMean(typed: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const d = name.startsWith(typed) && typed.length >= 3 ? 0.5 : distance(typed, name);
    if (!best || d < best.distance) best = { name, distance: d };
  }
  const allowed = Math.max(1, Math.floor(typed.length / 3));
  return best && best.distance <= allowed ? best.name : undefined;
}

export const suggestion = (typed: string, known: readonly string[], render = (name: string) => name) => {
  const near = didYouMean(typed, known);
  return near === undefined ? "" : `; did you mean ${render(near)}?`;
};

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
  throw new UsageError(`unknown option ${typed}${suggestion(flag, known, (name) => `--${name}`)}`);
}
