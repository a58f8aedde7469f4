/**
 * A namespace's report must stay storable: etcd refuses objects over 1.5 MiB, and a namespace of a few hundred
 * StatefulSets gives thousands of results.
 */
import { describe, expect, it } from "vitest";
import { type AuditedObject, fitPolicyReport, omittedResultsAnnotation, policyReports } from "../../src/audit/policy-report.js";
import { expectValidReports } from "./crd.js";

const rules = Array.from({ length: 17 }, (_, i) => ({ id: `rule-${i}`, summary: `What rule ${i} checks, in one sentence of ordinary length.` }));

function statefulSet(i: number, failing: boolean): AuditedObject {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    namespace: "big",
    name: `db-${i}`,
    uid: `uid-${i}`,
    rules,
    findings: failing ? [{ ruleId: "rule-3", action: "deny", path: "spec.selector", type: "Required value", message: "spec.selector: Required value" }] : [],
  };
}

describe("fitPolicyReport", () => {
  it("returns a report within the bound as it is", () => {
    const [report] = policyReports([statefulSet(0, true)], new Date());
    expect(fitPolicyReport(report!)).toBe(report);
  });

  it("cuts a report over the bound to fit: every fail before any pass, the summary still counting all, an annotation saying so", () => {
    const objects = Array.from({ length: 600 }, (_, i) => statefulSet(i, i % 10 === 0));
    const [report] = policyReports(objects, new Date());
    const full = JSON.stringify(report).length;
    const bound = 200_000;
    expect(full).toBeGreaterThan(bound * 10);
    const fitted = fitPolicyReport(report!, bound);
    expect(new TextEncoder().encode(JSON.stringify(fitted)).length).toBeLessThanOrEqual(bound);
    expect(fitted.summary).toEqual(report!.summary);
    expect(fitted.results.filter((r) => r.result === "fail")).toHaveLength(60);
    expect(fitted.results.slice(0, 60).every((r) => r.result === "fail")).toBe(true);
    expect(fitted.results.length).toBeGreaterThan(60);
    const omitted = report!.results.length - fitted.results.length;
    expect(fitted.metadata.annotations?.[omittedResultsAnnotation]).toMatch(new RegExp(`^${omitted} of ${report!.results.length} results left out`));
    expectValidReports([{ ...fitted, summary: countedOf(fitted) }]);
  });
});

/** The CRD helper checks that a summary counts its results; a fitted report's summary counts the omitted ones too. */
function countedOf(report: { results: { result: string }[] }) {
  const counted = { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 } as Record<string, number>;
  for (const r of report.results) counted[r.result] = (counted[r.result] ?? 0) + 1;
  return counted;
}
