/**
 * The machine format. Stable: fields are only ever added. `version` changes if one is ever removed or renamed.
 */
import { type CheckReport, counts } from "../check.js";

export const jsonFormatVersion = 1;

type ReportedFinding = CheckReport["objects"][number]["findings"][number];

/** A finding's fields in the document, in a fixed order. */
const findingOf = (f: ReportedFinding) => ({ ruleId: f.ruleId, action: f.action, path: f.path, type: f.type, message: f.message, line: f.line });

export function formatJson(report: CheckReport): string {
  const document = {
    version: jsonFormatVersion,
    summary: counts(report),
    objects: report.objects.map((o) => ({
      file: o.file,
      line: o.line,
      apiVersion: o.apiVersion,
      kind: o.kind,
      namespace: o.namespace,
      name: o.name,
      // An object read from a cluster (stateward audit's List) is named by its uid too, as GET /audit names it.
      ...(o.uid ? { uid: o.uid } : {}),
      denied: o.findings.some((f) => f.action === "deny"),
      findings: o.findings.map(findingOf),
      // What the object's stateward.dev/ignore-<rule-id> annotations took out, each with the annotation and reason.
      exempted: (o.exempted ?? []).map((f) => ({ ...findingOf(f), exemption: f.exemption })),
    })),
    notes: report.notes,
    // A broken policy's problems come first: nothing else was read.
    errors: [...report.configuration, ...report.errors],
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
