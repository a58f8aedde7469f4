/**
 * `stateward policy lint`: every problem of a policy document at once, each with the line it is on, before the
 * document reaches a webhook that would fail closed on it. It is the runtimes' own loader's answer, so lint and the
 * servers never disagree.
 */
import { formatProblem, loadPolicy, type PolicyProblem } from "./policy.js";

export type LintProblem = PolicyProblem;

/**
 * The problems of a policy document given as YAML or JSON text; none means every runtime loads it. Blank text is the
 * built-in defaults, as everywhere else.
 *
 * @example lintPolicy("rules:\n  storage-clas: {}\n") // [{ path: ["rules"], unknownKey: "storage-clas", line: 2, message: "unknown field(s) storage-clas (did you mean storage-class?)" }]
 */
export function lintPolicy(text: string): LintProblem[] {
  const state = loadPolicy(text);
  // In the order of the document, as a compiler prints them (zod reports a map's unknown keys after its entries'
  // problems); those without a line last. The sort is stable, so problems on one line keep the loader's order.
  return state.ok ? [] : state.problems.toSorted((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
}

/** One problem as a compiler would print it: `file:line: path: message`. */
export function formatLintProblem(file: string, problem: LintProblem): string {
  return `${problem.line === undefined ? file : `${file}:${problem.line}`}: ${formatProblem(problem)}`;
}
