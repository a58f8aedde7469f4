/**
 * SARIF 2.1.0 for code-scanning UIs (GitHub, GitLab, Azure DevOps). Rules come from the registry's own metadata, so
 * the help shown next to a result is the rule's documented fix.
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { checks } from "../../rules/index.js";
import type { CheckReport } from "../check.js";
import { exitCodes } from "../io.js";
import { stdinName } from "../load.js";

export const sarifSchema = "https://json.schemastore.org/sarif-2.1.0.json";

interface RuleMetadata {
  id: string;
  summary: string;
  rationale: string;
  fix: string;
  defaultAction: "deny" | "warn";
}

const level = (action: "deny" | "warn") => (action === "deny" ? "error" : "warning");

export interface SarifOptions {
  version: string;
  /** The directory the report's file names are relative to (the command's working directory). */
  cwd: string;
  /** The repository root: locations are relative to it, which is how code-scanning UIs find the file. */
  root: string;
}

const rootId = "%SRCROOT%";

/**
 * A file's location relative to the repository root. Standard input has no file to point at, so it gets none (code
 * scanning needs files); a file outside the root keeps its absolute URI.
 */
function artifactLocation(file: string, options: SarifOptions) {
  if (file === stdinName) return undefined;
  const absolute = path.resolve(options.cwd, file);
  const relative = path.relative(options.root, absolute);
  if (relative.startsWith("..") || path.isAbsolute(relative)) return { uri: pathToFileURL(absolute).href };
  return { uri: encodeURI(relative.split(path.sep).join("/")), uriBaseId: rootId };
}

function physicalLocations(file: string, line: number | undefined, options: SarifOptions) {
  const artifact = artifactLocation(file, options);
  if (!artifact) return [];
  return [{ physicalLocation: { artifactLocation: artifact, ...(line !== undefined ? { region: { startLine: line } } : {}) } }];
}

export function formatSarif(report: CheckReport, options: SarifOptions): string {
  const metadata: readonly RuleMetadata[] = checks;
  const index = new Map(metadata.map((rule, i) => [rule.id, i]));
  // An exempted finding is a result with a suppression (§3.27.23): kind inSource, as the annotation sits in the file,
  // and its reason as the justification; code-scanning UIs show it as dismissed rather than not at all.
  const results = report.objects.flatMap((object) =>
    [...object.findings, ...(object.exempted ?? [])].map((finding) => ({
      ruleId: finding.ruleId,
      ...(index.has(finding.ruleId) ? { ruleIndex: index.get(finding.ruleId) } : {}),
      level: level(finding.action),
      message: { text: `${object.kind} ${object.namespace}/${object.name || "<unnamed>"}: ${finding.message}` },
      locations: physicalLocations(object.file, finding.line, options),
      ...(finding.exemption
        ? { suppressions: [{ kind: "inSource", status: "accepted", justification: `${finding.exemption.annotation}: ${finding.exemption.reason}` }] }
        : {}),
    })),
  );
  const notification = (level: "error" | "note") => (problem: CheckReport["errors"][number]) => ({
    level,
    message: { text: problem.message },
    locations: physicalLocations(problem.file, problem.line, options),
  });
  // SARIF 2.1.0 §3.20.14 and Appendix I: executionSuccessful false says the tool failed (an exit code that denotes
  // failure), a notification of level error that the results are incomplete. A broken policy is a problem of the
  // tool's configuration (§3.20.22); unreadable input one of its execution (§3.20.21).
  const failed = report.configuration.length + report.errors.length > 0;
  const invocation = {
    executionSuccessful: !failed,
    ...(failed ? { exitCode: exitCodes.badInput } : {}),
    toolExecutionNotifications: [...report.errors.map(notification("error")), ...report.notes.map(notification("note"))],
    ...(report.configuration.length > 0 ? { toolConfigurationNotifications: report.configuration.map(notification("error")) } : {}),
  };
  const log = {
    $schema: sarifSchema,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "stateward",
            version: options.version,
            rules: metadata.map((rule) => ({
              id: rule.id,
              shortDescription: { text: rule.summary },
              fullDescription: { text: rule.rationale },
              help: { text: rule.fix },
              defaultConfiguration: { level: level(rule.defaultAction) },
            })),
          },
        },
        originalUriBaseIds: { [rootId]: { uri: `${pathToFileURL(options.root).href}/` } },
        invocations: [invocation],
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
