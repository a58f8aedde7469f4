/**
 * An audit's findings as PolicyReports (wgpolicyk8s.io/v1alpha2), one per namespace, the API that Kyverno writes by
 * default and Policy Reporter reads, so Stateward's results show beside Kyverno's. Every rule that ran on an object
 * gives a result: pass when it found nothing, otherwise one result per finding (fail for deny, warn for warn); an
 * object that could not be decoded gives one error result and no rule runs on it.
 */

import type { Exemption, RenderedFinding } from "../engine/finding.js";

export const policyReportApiVersion = "wgpolicyk8s.io/v1alpha2";
export const policyReportName = "stateward-audit";
export const reportSource = "stateward";

export type AuditedFinding = RenderedFinding;

export interface AuditedObject {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid?: string;
  /** The rules that ran on it, with their one-line summaries. */
  rules: readonly { id: string; summary: string }[];
  findings: readonly AuditedFinding[];
  /** The rules the object's own annotations exempt it from: each gives a skip result with its reason. */
  exemptions?: readonly Exemption[];
  /** The findings those exemptions took out, counted in their skip results. */
  exempted?: readonly AuditedFinding[];
  /** Why no rule could judge it (the cluster view keeps no copy of it): one skip result, never silence. */
  notAudited?: string;
}

export type PolicyResult = "pass" | "fail" | "warn" | "error" | "skip";

export interface PolicyReportResult {
  source: string;
  policy: string;
  rule: string;
  result: PolicyResult;
  message: string;
  scored: boolean;
  severity?: "high" | "medium";
  timestamp: { seconds: number; nanos: number };
  resources: { apiVersion: string; kind: string; namespace: string; name: string; uid?: string }[];
  properties?: Record<string, string>;
}

export interface PolicyReport {
  apiVersion: typeof policyReportApiVersion;
  kind: "PolicyReport";
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations?: Record<string, string> };
  summary: Record<PolicyResult, number>;
  results: PolicyReportResult[];
}

const utf8 = new TextEncoder();

/** The rule id an object that could not be decoded is reported under (the webhook denies it with this id). */
export const decodingPolicy = "object-decoding";

/** The policy of the skip result of an object the audit could not judge (`AuditedObject.notAudited`). */
export const notAuditedPolicy = "not-audited";

/** One report per namespace, namespaces and results in a stable order. */
export function policyReports(objects: readonly AuditedObject[], now: Date): PolicyReport[] {
  const timestamp = { seconds: Math.floor(now.getTime() / 1000), nanos: 0 };
  const byNamespace = new Map<string, PolicyReportResult[]>();
  for (const object of objects) {
    const resource = { apiVersion: object.apiVersion, kind: object.kind, namespace: object.namespace, name: object.name };
    const resources = [object.uid ? { ...resource, uid: object.uid } : resource];
    const result = (policy: string, outcome: PolicyResult, message: string, extra: Partial<PolicyReportResult> = {}) =>
      ({ source: reportSource, policy, rule: policy, result: outcome, message, scored: true, timestamp, resources, ...extra }) as PolicyReportResult;
    const results = byNamespace.get(object.namespace) ?? [];
    byNamespace.set(object.namespace, results);
    if (object.notAudited !== undefined) {
      results.push(result(notAuditedPolicy, "skip", `not audited: ${object.notAudited}`, { scored: false }));
      continue;
    }
    const decoding = object.findings.filter((f) => f.ruleId === decodingPolicy);
    if (decoding.length > 0) {
      for (const finding of decoding) results.push(result(decodingPolicy, "error", finding.message, { properties: fieldProperties(finding) }));
      continue;
    }
    const ranRules = new Set(object.rules.map((r) => r.id));
    for (const rule of object.rules) {
      const exemption = object.exemptions?.find((e) => e.ruleId === rule.id);
      if (exemption) {
        results.push(exemptedResult(rule.id, exemption, object.exempted?.filter((f) => f.ruleId === rule.id).length ?? 0, result));
        continue;
      }
      const found = object.findings.filter((f) => f.ruleId === rule.id);
      if (found.length === 0) results.push(result(rule.id, "pass", rule.summary));
      for (const finding of found) {
        results.push(
          result(rule.id, finding.action === "deny" ? "fail" : "warn", finding.message, {
            severity: finding.action === "deny" ? "high" : "medium",
            properties: fieldProperties(finding),
          }),
        );
      }
    }
    // Findings of checks outside the policy's rules (a removed apiVersion) still belong in the report.
    for (const finding of object.findings.filter((f) => !ranRules.has(f.ruleId))) {
      results.push(
        result(finding.ruleId, finding.action === "deny" ? "fail" : "warn", finding.message, {
          severity: finding.action === "deny" ? "high" : "medium",
          properties: fieldProperties(finding),
        }),
      );
    }
  }
  return [...byNamespace.keys()].sort().map((namespace) => {
    const results = byNamespace.get(namespace)!;
    const summary: Record<PolicyResult, number> = { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 };
    for (const r of results) summary[r.result]++;
    return {
      apiVersion: policyReportApiVersion,
      kind: "PolicyReport",
      metadata: { name: policyReportName, namespace, labels: { "app.kubernetes.io/managed-by": reportSource } },
      summary,
      results,
    };
  });
}

/** An exempted rule's skip result: the annotation and its reason, and how many findings it took out. */
function exemptedResult(
  ruleId: string,
  { annotation, reason }: Exemption,
  exemptedFindings: number,
  result: (policy: string, outcome: PolicyResult, message: string, extra: Partial<PolicyReportResult>) => PolicyReportResult,
): PolicyReportResult {
  const found = exemptedFindings === 0 ? "nothing to exempt was found" : `${exemptedFindings} finding${exemptedFindings === 1 ? "" : "s"} exempted`;
  return result(ruleId, "skip", `exempted by annotation ${annotation}: ${reason} (${found})`, {
    scored: false,
    properties: { annotation, reason, exemptedFindings: String(exemptedFindings) },
  });
}

function fieldProperties(finding: AuditedFinding): Record<string, string> {
  return { path: finding.path, type: finding.type };
}

/**
 * Joins the reports of several pages of one audit (GET /audit pages by object, so a namespace's objects may span
 * pages) into one report per namespace.
 */
export function mergePolicyReports(pages: readonly (readonly PolicyReport[])[]): PolicyReport[] {
  const byNamespace = new Map<string, PolicyReport>();
  for (const report of pages.flat()) {
    const held = byNamespace.get(report.metadata.namespace);
    if (!held) {
      byNamespace.set(report.metadata.namespace, { ...report, summary: { ...report.summary }, results: [...report.results] });
      continue;
    }
    held.results.push(...report.results);
    for (const key of Object.keys(held.summary) as PolicyResult[]) held.summary[key] += report.summary[key] ?? 0;
  }
  return [...byNamespace.keys()].sort().map((namespace) => byNamespace.get(namespace)!);
}

/**
 * Kept under etcd's default limit of 1.5 MiB per object (`--max-request-bytes`), with room for what the API server
 * adds (managedFields, resourceVersion).
 */
export const maxReportBytes = 1024 * 1024;

/** Why a report holds fewer results than its summary counts; set only when results were left out. */
export const omittedResultsAnnotation = "stateward.dev/omitted-results";

/** Results kept first when a report must shrink: what needs attention before what passed. */
const keptFirst: readonly PolicyResult[] = ["fail", "error", "warn", "skip", "pass"];

/**
 * A report small enough to store: when its JSON exceeds `maxBytes`, the results are kept in the order of
 * `keptFirst` (every fail before any pass) until the next would not fit; the summary still counts every result, and an
 * annotation says how many were left out. A namespace of a few hundred StatefulSets gives about 17 results each.
 */
export function fitPolicyReport(report: PolicyReport, maxBytes = maxReportBytes): PolicyReport {
  const size = (value: unknown) => utf8.encode(JSON.stringify(value)).length;
  if (size(report) <= maxBytes) return report;
  const ordered = keptFirst.flatMap((outcome) => report.results.filter((r) => r.result === outcome));
  const annotated = (omitted: number) => ({
    ...report.metadata,
    annotations: {
      [omittedResultsAnnotation]: `${omitted} of ${report.results.length} results left out to keep the report under ${maxBytes} bytes; the summary counts them all, stateward audit -o json lists them`,
    },
  });
  // The report without results, with the annotation at its longest, is what every kept result adds to.
  let bytes = size({ ...report, metadata: annotated(report.results.length), results: [] });
  const kept: PolicyReportResult[] = [];
  for (const result of ordered) {
    const added = size(result) + 1;
    if (bytes + added > maxBytes) break;
    kept.push(result);
    bytes += added;
  }
  return { ...report, metadata: annotated(report.results.length - kept.length), results: kept };
}
