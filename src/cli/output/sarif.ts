/**
 * SARIF 2.1.0 for code-scanning UIs (GitHub, GitLab, Azure DevOps). Rules come from the registry's own metadata, so
 * the help shown next to a result is the rule's documented fix.
 */
import { rules as ruleRegistry } from "../../rules/index.js";
import type { CheckReport } from "../check.js";
import { stdinName } from "../load.js";
import { offlineChecks } from "../subject.js";

export const sarifSchema = "https://json.schemastore.org/sarif-2.1.0.json";

interface RuleMetadata {
  id: string;
  summary: string;
  rationale: string;
  fix: string;
  defaultAction: "deny" | "warn";
}

const level = (action: "deny" | "warn") => (action === "deny" ? "error" : "warning");

/** Paths as SARIF URIs: relative ones resolve against the checkout root in code-scanning UIs. */
function uri(file: string): string {
  if (file === stdinName) return "stdin";
  return encodeURI(file.startsWith("/") ? `file://${file}` : file);
}

export function formatSarif(report: CheckReport, version: string): string {
  const metadata: RuleMetadata[] = [...ruleRegistry, ...offlineChecks];
  const index = new Map(metadata.map((rule, i) => [rule.id, i]));
  const results = report.objects.flatMap((object) =>
    object.findings.map((finding) => ({
      ruleId: finding.ruleId,
      ...(index.has(finding.ruleId) ? { ruleIndex: index.get(finding.ruleId) } : {}),
      level: level(finding.action),
      message: { text: `${object.kind} ${object.namespace}/${object.name || "<unnamed>"}: ${finding.message}` },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: uri(object.file) },
            region: { startLine: finding.line },
          },
        },
      ],
    })),
  );
  const notifications = [
    ...report.errors.map((problem) => ({ level: "error", problem })),
    ...report.notes.map((problem) => ({ level: "note", problem })),
  ].map(({ level: notificationLevel, problem }) => ({
    level: notificationLevel,
    message: { text: problem.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: uri(problem.file) },
          ...(problem.line !== undefined ? { region: { startLine: problem.line } } : {}),
        },
      },
    ],
  }));
  const log = {
    $schema: sarifSchema,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "stateward",
            version,
            rules: metadata.map((rule) => ({
              id: rule.id,
              shortDescription: { text: rule.summary },
              fullDescription: { text: rule.rationale },
              help: { text: rule.fix },
              defaultConfiguration: { level: level(rule.defaultAction) },
            })),
          },
        },
        invocations: [{ executionSuccessful: report.errors.length === 0, toolExecutionNotifications: notifications }],
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
