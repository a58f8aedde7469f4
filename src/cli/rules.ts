/**
 * `stateward rules` and `stateward explain <rule-id>`: the checks of the registry, as docs/rules.md describes them,
 * without leaving the terminal.
 */
import * as z from "zod";
import { parseFlags, UsageError } from "../command/flags.js";
import type { BuiltInCheck, CheckMetadata, Rule } from "../engine/types.js";
import { exemptionAnnotation } from "../engine/exemption.js";
import { closestName } from "../k8s/names.js";
import { unexemptableChecks } from "../policy/policy.js";
import { builtInChecks, checks, rules } from "../rules/index.js";
import { exitCodes, type Io } from "./io.js";

export const rulesUsage = `Usage: stateward rules

Lists every check: its id, its default action and what it verifies, one line each. Rules can be set to deny, warn or
off in the policy document; built-in checks always deny.
Run 'stateward explain <rule-id>' for why a check matters, how to fix a finding, and its parameters.
`;

export const explainUsage = `Usage: stateward explain <rule-id>

Prints what a check verifies, why it matters, how to fix a finding, where it applies, its default action and its
parameters with their defaults, and how to set them in the policy document.

Exit codes: 0 explained, 2 unknown rule id or bad usage.
`;

const isRule = (check: CheckMetadata): check is Rule => "params" in check;
const isBuiltIn = (check: CheckMetadata): check is BuiltInCheck => builtInChecks.includes(check as BuiltInCheck);

/** A check's default action as a policy sees it: built-in checks cannot be switched. */
const actionOf = (check: CheckMetadata) => (isBuiltIn(check) ? `${check.defaultAction} (built in)` : check.defaultAction);

export async function runRules(argv: readonly string[], io: Io): Promise<number> {
  const { positionals } = parseFlags(argv, {});
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const idWidth = Math.max(...checks.map((c) => c.id.length));
  const actionWidth = Math.max(...checks.map((c) => actionOf(c).length));
  const lines = checks.map((c) => `${c.id.padEnd(idWidth)}  ${actionOf(c).padEnd(actionWidth)}  ${c.summary}`);
  io.stdout(`${lines.join("\n")}\n\n${rules.length} rules and ${builtInChecks.length} built-in checks. Run 'stateward explain <rule-id>' for one in full.\n`);
  return exitCodes.clean;
}

interface ParameterSchema {
  default?: unknown;
  description?: string;
}

/** A rule's parameters with their defaults and meanings, from its zod schema as docs/rules.md renders them. */
function parametersOf(rule: Rule): [name: string, field: ParameterSchema][] {
  const schema = z.toJSONSchema(rule.params, { io: "input", unrepresentable: "any" }) as { properties?: Record<string, ParameterSchema> };
  return Object.entries(schema.properties ?? {});
}

const width = 100;

/**
 * A paragraph broken at spaces into lines of at most `width` characters (a longer word keeps its own line), the first
 * indented by `first`, the others by `rest`.
 */
function paragraph(text: string, first = "", rest = first): string[] {
  const lines: string[] = [];
  let line = "";
  const indent = () => (lines.length === 0 ? first : rest);
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent().length + line.length + 1 + word.length > width) {
      lines.push(indent() + line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(indent() + line);
  return lines;
}

/** How to exempt one object from a check, or why no annotation can. */
function exemptionLine(id: string): string {
  const unexemptable = unexemptableChecks.get(id);
  if (unexemptable !== undefined) return `Exempt: no annotation exempts an object from ${id}: ${unexemptable}.`;
  return (
    `Exempt: annotate the object ${exemptionAnnotation(id)}: "<reason>" (the reason is required); its findings are then reported as ` +
    "exempted, not as denials or warnings. A policy with exemptions.denyRules: false refuses this where the rule denies."
  );
}

function explanation(check: CheckMetadata): string {
  const operations = (check.operations ?? ["CREATE", "UPDATE"]).join(" and ");
  const lines = [
    check.id,
    "",
    ...paragraph(check.summary),
    "",
    `Applies to: ${check.kinds.join(", ")}, on ${operations}`,
    `Default action: ${actionOf(check)}`,
    "",
    ...paragraph(`Why: ${check.rationale}`),
    "",
    ...paragraph(`Fix: ${check.fix}`),
    "",
    ...paragraph(exemptionLine(check.id)),
    "",
  ];
  if (!isRule(check)) {
    const where = isBuiltIn(check) && check.runs === "offline" ? " It runs in stateward check, on manifest files." : "";
    lines.push(...paragraph(`A built-in check: its findings always deny, and no policy switches it.${where}`));
    return `${lines.join("\n")}\n`;
  }
  const parameters = parametersOf(check);
  if (parameters.length === 0) lines.push("Parameters: none.");
  else {
    lines.push("Parameters:");
    for (const [name, field] of parameters) {
      const fallback = "default" in field ? `default ${JSON.stringify(field.default)}` : "unset by default";
      lines.push(...paragraph(`${name} (${fallback}): ${field.description ?? ""}`, "  ", "    "));
    }
  }
  // What to paste into the policy document, with the defaults written out.
  lines.push("", "In the policy document (action: deny, warn or off):", "", "rules:", `  ${check.id}:`, `    action: ${check.defaultAction}`);
  for (const [name, field] of parameters) if ("default" in field) lines.push(`    ${name}: ${JSON.stringify(field.default)}`);
  return `${lines.join("\n")}\n`;
}

export async function runExplain(argv: readonly string[], io: Io): Promise<number> {
  const { positionals } = parseFlags(argv, {});
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? "name a rule id" : "name one rule id");
  const id = positionals[0]!;
  const check = checks.find((c) => c.id === id);
  if (!check) {
    const near = closestName(id, checks.map((c) => c.id));
    io.stderr(`stateward explain: no rule ${JSON.stringify(id)}${near ? `; did you mean ${near}?` : ""}\nRun 'stateward rules' for the list.\n`);
    return exitCodes.badInput;
  }
  io.stdout(explanation(check));
  return exitCodes.clean;
}
