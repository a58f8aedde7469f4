/**
 * The PolicyReport CRD Kyverno installs (committed under test/fixtures/crds) as a validator: what every test of the
 * audit's reports judges them by.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { Ajv } from "ajv";
import { expect } from "vitest";
import { parseAllDocuments } from "yaml";

const repoRoot = path.resolve(import.meta.dirname, "../..");

/** The CustomResourceDefinition of a file under test/fixtures/crds. */
function crdOf(file: string) {
  return parseAllDocuments(readFileSync(path.join(repoRoot, "test/fixtures/crds", file), "utf8"))
    .map((d) => d.toJS())
    .find((d) => d?.kind === "CustomResourceDefinition");
}

export const crd = crdOf("wgpolicyk8s.io_policyreports.yaml");

/** The Report CRD of openreports.io (openreports/reports-api), the PolicyReport's successor. */
export const openReportsCrd = crdOf("openreports.io_reports.yaml");

/**
 * The CRD's schema as `kubectl apply --validate=strict` judges an object: fields the schema does not name are errors
 * (the API server would silently prune them), so a misspelt field fails here instead of vanishing in a cluster.
 */
function strict(schema: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...schema };
  if (copy.properties) {
    copy.properties = Object.fromEntries(Object.entries(copy.properties as Record<string, Record<string, unknown>>).map(([k, v]) => [k, strict(v)]));
    if (copy.additionalProperties === undefined) copy.additionalProperties = false;
  }
  if (copy.items) copy.items = strict(copy.items as Record<string, unknown>);
  return copy;
}

function crdValidator(definition: any, versionName: string) {
  const version = definition.spec.versions.find((v: { name: string }) => v.name === versionName);
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31 });
  ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isSafeInteger(n) });
  return ajv.compile(strict(version.schema.openAPIV3Schema));
}

export const validatePolicyReport = crdValidator(crd, "v1alpha2");

export const validateOpenReport = crdValidator(openReportsCrd, "v1alpha1");

/** Every report is an openreports.io/v1alpha1 Report the CRD's schema accepts, and its summary counts its results. */
export function expectValidOpenReports(reports: any[]) {
  expect(reports.length).toBeGreaterThan(0);
  for (const report of reports) {
    const ok = validateOpenReport(report);
    expect(ok ? [] : validateOpenReport.errors, `${report.metadata?.namespace}`).toEqual([]);
    expect(report).toMatchObject({ apiVersion: `${openReportsCrd.spec.group}/v1alpha1`, kind: openReportsCrd.spec.names.kind });
    const counted = { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 } as Record<string, number>;
    for (const r of report.results) counted[r.result] = (counted[r.result] ?? 0) + 1;
    expect(report.summary).toEqual(counted);
  }
}

/** Every report is a wgpolicyk8s.io/v1alpha2 PolicyReport the CRD's schema accepts, and its summary counts its results. */
export function expectValidReports(reports: any[]) {
  for (const report of reports) {
    const ok = validatePolicyReport(report);
    expect(ok ? [] : validatePolicyReport.errors, `${report.metadata?.namespace}`).toEqual([]);
    expect(report).toMatchObject({ apiVersion: `${crd.spec.group}/v1alpha2`, kind: crd.spec.names.kind });
    const counted = { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 } as Record<string, number>;
    for (const r of report.results) counted[r.result] = (counted[r.result] ?? 0) + 1;
    expect(report.summary).toEqual(counted);
  }
}
