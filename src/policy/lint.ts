/**
 * `stateward policy lint`: every problem of a policy document at once, each with the line it is on, before the
 * document reaches a webhook that would fail closed on it.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { buildPolicy, formatProblem, PolicyError, type PolicyProblem } from "./policy.js";

export interface LintProblem extends PolicyProblem {
  /** 1-based line in the document, when the problem has a place in it. */
  line?: number;
}

/**
 * The problems of a policy document given as YAML or JSON text; none means every runtime loads it. Blank text is the
 * built-in defaults, as everywhere else.
 *
 * @example lintPolicy("rules:\n  storage-clas: {}\n") // [{ path: ["rules"], unknownKey: "storage-clas", line: 2, message: "unknown field(s) storage-clas (did you mean storage-class?)" }]
 */
export function lintPolicy(text: string): LintProblem[] {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (document.errors.length > 0) {
    return document.errors.map((error) => ({
      path: [],
      message: `not valid YAML or JSON: ${error.message.split("\n")[0]}`,
      line: lines.linePos(error.pos[0]).line,
    }));
  }
  try {
    buildPolicy(document.toJS());
    return [];
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    return error.problems.map((problem) => {
      const node = nodeAt(document.contents, problem.unknownKey === undefined ? problem.path : [...problem.path, problem.unknownKey]);
      const offset = node?.range?.[0];
      return offset === undefined ? problem : { ...problem, line: lines.linePos(offset).line };
    });
  }
}

/** One problem as a compiler would print it: `file:line: path: message`. */
export function formatLintProblem(file: string, problem: LintProblem): string {
  return `${problem.line === undefined ? file : `${file}:${problem.line}`}: ${formatProblem(problem)}`;
}

/**
 * The node closest to `path`: the key of a map entry (that is where a reader looks for a misspelt key), or the item
 * of a list; the deepest node found when the path leaves the document (a missing required field).
 */
function nodeAt(root: unknown, path: readonly PropertyKey[]): Node | undefined {
  let current = root as Node | null | undefined;
  let found: Node | undefined = current ?? undefined;
  for (const segment of path) {
    if (isMap(current)) {
      const pair = current.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) return found;
      found = (pair.key as Node | null) ?? found;
      current = pair.value as Node | null;
    } else if (isSeq(current) && typeof segment === "number") {
      current = current.items[segment] as Node | null;
      if (!current) return found;
      found = current;
    } else {
      return found;
    }
  }
  return found;
}
