/**
 * GitHub Actions workflow commands: one annotation per finding (`::error` for a denial, `::warning` for a warning),
 * `::notice` for what was passed over, `::error` for input that could not be read, then the text summary line. The
 * runner turns each into an annotation on the file and line, shown on a pull request's diff with no upload step.
 *
 * Escaping as the Actions runner reads it (actions/runner ActionCommand.cs, and @actions/core's command.ts that
 * writes it): in the message `%`, CR and LF become %25, %0D, %0A; in a property also `:` and `,` (%3A, %2C), which
 * would otherwise end the property list or the property.
 */
import path from "node:path";
import type { CheckReport } from "../check.js";
import { stdinName } from "../load.js";
import { summary } from "./text.js";

export interface GithubOptions {
  /** The directory the report's file names are relative to (the command's working directory). */
  cwd: string;
  /** The repository root: the runner reads a relative `file` as relative to the repository it checked out. */
  root: string;
}

const escapeData = (text: string) => text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
const escapeProperty = (text: string) => escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");

type Level = "error" | "warning" | "notice";

interface Annotation {
  level: Level;
  file: string;
  line?: number;
  title?: string;
  message: string;
}

/** A file's path from the repository root with `/`; one outside it stays absolute (the runner takes that too). */
function repositoryPath(file: string, options: GithubOptions): string {
  const absolute = path.resolve(options.cwd, file);
  const relative = path.relative(options.root, absolute);
  if (relative.startsWith("..") || path.isAbsolute(relative)) return absolute;
  return relative.split(path.sep).join("/");
}

function command({ level, file, line, title, message }: Annotation, options: GithubOptions): string {
  // Standard input is no file of the repository: the annotation belongs to the run, not to a file.
  const located = file === stdinName ? [] : [`file=${escapeProperty(repositoryPath(file, options))}`, ...(line !== undefined ? [`line=${line}`] : [])];
  const properties = [...located, ...(title !== undefined ? [`title=${escapeProperty(title)}`] : [])];
  return `::${level}${properties.length > 0 ? ` ${properties.join(",")}` : ""}::${escapeData(message)}`;
}

export function formatGithub(report: CheckReport, options: GithubOptions): string {
  const annotations: Annotation[] = [
    ...[...report.configuration, ...report.errors].map((e) => ({ level: "error" as const, file: e.file, line: e.line, message: e.message })),
    ...report.objects.flatMap((object) =>
      object.findings.map((finding) => ({
        level: finding.action === "deny" ? ("error" as const) : ("warning" as const),
        file: object.file,
        line: finding.line,
        title: finding.ruleId,
        message: `${object.kind} ${object.namespace}/${object.name || "<unnamed>"}: ${finding.message}`,
      })),
    ),
    ...report.notes.map((note) => ({ level: "notice" as const, file: note.file, line: note.line, message: note.message })),
  ];
  return `${[...annotations.map((a) => command(a, options)), summary(report, false)].join("\n")}\n`;
}
