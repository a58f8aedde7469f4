/**
 * JUnit XML for CI systems' test reports (GitLab's merge request widget and Tests tab, Jenkins' junit step, Azure
 * DevOps, CircleCI). Valid against the JUnit schema the Jenkins xUnit plugin validates with (junit-10.xsd,
 * test/fixtures/junit/).
 *
 * One testsuite per file: a file is what a change touches and what a reviewer opens, and both GitLab (which lists a
 * failed case under its classname) and Jenkins (which groups cases by classname) then group failures by manifest.
 * The classname is the file's path without its extension, as ESLint's JUnit formatter does: Jenkins splits a
 * classname at its last dot, which would make `yaml` the class of every case.
 *
 * One testcase per object and rule that ran on it (every rule the policy switches on for its kind, and the built-in
 * checks that found something), named `KIND NAMESPACE/NAME [RULE-ID]`: a denial is a `<failure>`; a rule that found
 * nothing passes. A warning passes too, its finding in the case's `<system-out>`: Jenkins marks a build unstable and
 * GitLab reports a failed test for any failure, so a warning becomes a `<failure>` only with --warnings-as-errors,
 * as it fails the exit code only then. Input that could not be read (and a policy that cannot be used) is an
 * `<error>`, as it exits 2; what was passed over (a templated file, an exempt namespace) a `<skipped>` case.
 */
import type { Policy } from "../../engine/types.js";
import { activeRules } from "../../engine/validate.js";
import type { CheckReport, LocatedFinding, ObjectResult } from "../check.js";
import type { InputProblem } from "../load.js";

export interface JunitOptions {
  /** The policy the objects were checked with (which rules ran); none when it could not be used (nothing ran). */
  policy: Policy | undefined;
  warningsAsErrors: boolean;
}

/**
 * Characters XML 1.0 cannot hold at all, even as references (§2.2): C0 controls but tab, CR and LF, lone surrogates,
 * U+FFFE and U+FFFF. A manifest's string may hold one; it is written as a visible \uXXXX instead.
 */
const unrepresentable = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const representable = (text: string) => text.replace(unrepresentable, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

/** Character data: `&` and `<` always, `>` so that `]]>` cannot occur. */
const escapeText = (text: string) => representable(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** An attribute value in double quotes; tab, LF and CR as references, which attribute normalization would turn into spaces. */
const escapeAttribute = (text: string) =>
  escapeText(text).replace(/"/g, "&quot;").replace(/\t/g, "&#9;").replace(/\n/g, "&#10;").replace(/\r/g, "&#13;");

const attributes = (values: Record<string, string | number>) =>
  Object.entries(values)
    .map(([name, value]) => ` ${name}="${escapeAttribute(String(value))}"`)
    .join("");

type Outcome = { kind: "pass"; out?: string } | { kind: "failure" | "error" | "skipped"; type?: string; message: string; text: string };

interface Case {
  name: string;
  outcome: Outcome;
}

const where = (file: string, line: number | undefined) => (line === undefined ? file : `${file}:${line}`);

function findingLine(file: string, finding: LocatedFinding): string {
  return `${where(file, finding.line)}: ${finding.action}: ${finding.message}`;
}

function objectCases(object: ObjectResult, options: JunitOptions): Case[] {
  const subject = `${object.kind} ${object.namespace}/${object.name || "<unnamed>"}`;
  // An object that could not be decoded ran no rule: its decoding problems are all it has.
  const undecodable = object.findings.some((f) => f.ruleId === "object-decoding");
  const ran = undecodable || !options.policy ? [] : activeRules(options.policy.forNamespace(object.namespace), object.kind, "CREATE").map(({ rule }) => rule.id);
  // The built-in checks that found something (a removed apiVersion) first, then the rules in the registry's order.
  const ids = [...new Set([...object.findings.map((f) => f.ruleId).filter((id) => !ran.includes(id)), ...ran])];
  return ids.map((ruleId) => {
    // A rule the object's own annotation exempts it from was passed over, with the reason: a skipped case.
    const exemption = object.exemptions?.find((e) => e.ruleId === ruleId);
    if (exemption) {
      const text = (object.exempted ?? []).filter((f) => f.ruleId === ruleId).map((f) => findingLine(object.file, f)).join("\n");
      return { name: `${subject} [${ruleId}]`, outcome: { kind: "skipped", message: `exempted by annotation ${exemption.annotation}: ${exemption.reason}`, text } };
    }
    const found = object.findings.filter((f) => f.ruleId === ruleId);
    const failing = found.filter((f) => f.action === "deny" || options.warningsAsErrors);
    const lines = found.map((f) => findingLine(object.file, f)).join("\n");
    const outcome: Outcome =
      failing.length > 0
        ? { kind: "failure", type: failing[0]!.type, message: failing.map((f) => f.message).join("; "), text: lines }
        : { kind: "pass", ...(found.length > 0 ? { out: lines } : {}) };
    return { name: `${subject} [${ruleId}]`, outcome };
  });
}

function problemCase(problem: InputProblem, type: string): Case {
  return { name: type, outcome: { kind: "error", type, message: problem.message, text: `${where(problem.file, problem.line)}: error: ${problem.message}` } };
}

function noteCase(note: InputProblem): Case {
  return { name: `${where(note.file, note.line)}: ${note.message}`, outcome: { kind: "skipped", message: note.message, text: "" } };
}

function caseXml(classname: string, { name, outcome }: Case): string {
  const open = `    <testcase${attributes({ name, classname })}`;
  if (outcome.kind === "pass") return outcome.out === undefined ? `${open}/>` : `${open}>\n      <system-out>${escapeText(outcome.out)}</system-out>\n    </testcase>`;
  const detail = attributes({ ...(outcome.type !== undefined ? { type: outcome.type } : {}), message: outcome.message });
  const body = outcome.text === "" ? `<${outcome.kind}${detail}/>` : `<${outcome.kind}${detail}>${escapeText(outcome.text)}</${outcome.kind}>`;
  return `${open}>\n      ${body}\n    </testcase>`;
}

const withoutExtension = (file: string) => file.replace(/\.(ya?ml|json)$/i, "");

export function formatJunit(report: CheckReport, options: JunitOptions): string {
  // Every file read, in the report's order, then files only a problem names (unreadable ones, the policy).
  const suites = new Map<string, Case[]>();
  const suite = (file: string) => suites.get(file) ?? (suites.set(file, []), suites.get(file)!);
  for (const problem of report.configuration) suite(problem.file).push(problemCase(problem, "policy error"));
  for (const file of report.files) suite(file);
  for (const problem of report.errors) suite(problem.file).push(problemCase(problem, "input error"));
  for (const object of report.objects) suite(object.file).push(...objectCases(object, options));
  for (const note of report.notes) suite(note.file).push(noteCase(note));

  const count = (cases: readonly Case[], kind: Outcome["kind"]) => cases.filter((c) => c.outcome.kind === kind).length;
  const all = [...suites.values()].flat();
  const xml = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes({ name: "stateward", tests: all.length, failures: count(all, "failure"), errors: count(all, "error") })}>`,
  ];
  for (const [file, cases] of suites) {
    const counts = { tests: cases.length, failures: count(cases, "failure"), errors: count(cases, "error"), skipped: count(cases, "skipped") };
    const open = `  <testsuite${attributes({ name: file, ...counts, file })}`;
    if (cases.length === 0) {
      xml.push(`${open}/>`);
      continue;
    }
    xml.push(`${open}>`, ...cases.map((c) => caseXml(withoutExtension(file), c)), "  </testsuite>");
  }
  xml.push("</testsuites>");
  return `${xml.join("\n")}\n`;
}
