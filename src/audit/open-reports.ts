/**
 * The audit's reports in the OpenReports API (openreports.io/v1alpha1, kind Report), the successor of the
 * wgpolicyk8s.io PolicyReport: Kyverno writes it from 1.15 with --openreportsEnabled and Policy Reporter reads it. Its
 * Report has the PolicyReport's fields and results unchanged (openreports/reports-api, apis/openreports.io/v1alpha1),
 * plus a report-level `source` for reports whose results all come from one engine, as Stateward's do.
 */
import { type PolicyReport, policyReportApiVersion, reportSource } from "./policy-report.js";

export const openReportsApiVersion = "openreports.io/v1alpha1";

/** The APIs the audit writes reports in, the first the default (what Kyverno writes unless told otherwise). */
export const reportApis = [policyReportApiVersion, openReportsApiVersion] as const;
export type ReportApi = (typeof reportApis)[number];

export interface OpenReport extends Omit<PolicyReport, "apiVersion" | "kind"> {
  apiVersion: typeof openReportsApiVersion;
  kind: "Report";
  source: string;
}

/** The same report in the OpenReports API. */
export function asOpenReport({ apiVersion: _, kind: __, metadata, ...rest }: PolicyReport): OpenReport {
  return { apiVersion: openReportsApiVersion, kind: "Report", metadata, source: reportSource, ...rest };
}

/** The reports in the API asked for. */
export function inReportApi(reports: readonly PolicyReport[], api: ReportApi): (PolicyReport | OpenReport)[] {
  return api === openReportsApiVersion ? reports.map(asOpenReport) : [...reports];
}
