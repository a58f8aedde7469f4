/** Text for people: one `file:line: severity: finding` per line, like a compiler, then a summary line. */
import { type CheckReport, counts } from "../check.js";

export interface TextStyle {
  color: boolean;
}

const paint = (on: boolean, code: string, text: string) => (on ? `\u001b[${code}m${text}\u001b[0m` : text);

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export function formatText(report: CheckReport, { color }: TextStyle): string {
  const out: string[] = [];
  for (const error of report.errors) {
    out.push(`${where(error.file, error.line)}: ${paint(color, "1;31", "error")}: ${error.message}`);
  }
  for (const object of report.objects) {
    const subject = `${object.kind} ${object.namespace}/${object.name || "<unnamed>"}`;
    for (const finding of object.findings) {
      const severity = finding.action === "deny" ? paint(color, "31", "deny") : paint(color, "33", "warn");
      out.push(
        `${where(object.file, finding.line)}: ${severity}: ${subject}: ${finding.message} ${paint(color, "2", `[${finding.ruleId}]`)}`,
      );
    }
  }
  for (const note of report.notes) out.push(`${where(note.file, note.line)}: ${paint(color, "2", "note")}: ${note.message}`);
  out.push(summary(report, color));
  return `${out.join("\n")}\n`;
}

function where(file: string, line: number | undefined): string {
  return line === undefined ? file : `${file}:${line}`;
}

/** The run's one-line summary, the last line of the text output (and of the GitHub output). */
export function summary(report: CheckReport, color: boolean): string {
  const c = counts(report);
  const parts = [
    `${plural(c.objects, "object")} checked in ${plural(c.files, "file")}`,
    c.denied > 0 ? paint(color, "31", `${c.denied} denied`) : "none denied",
    plural(c.warnings, "warning"),
  ];
  // Exempted findings are not listed (-o json and SARIF list them with their reasons), but never hidden.
  if (c.exempted > 0) parts.push(`${plural(c.exempted, "finding")} exempted by annotations`);
  if (c.errors > 0) parts.push(paint(color, "1;31", `${plural(c.errors, "input error")}`));
  return parts.join(", ");
}
