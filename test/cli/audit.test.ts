/**
 * `stateward audit`: a cluster's List in, PolicyReports out that the wgpolicyk8s.io/v1alpha2 CRD accepts (validated
 * against the openAPIV3Schema of the CRD Kyverno installs, committed under test/fixtures/crds), one per namespace.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { crd, expectValidOpenReports, expectValidReports, openReportsCrd, validateOpenReport, validatePolicyReport } from "../audit/crd.js";
import { cli, repoRoot } from "./io.js";

const validate = validatePolicyReport;

function reportsOf(stdout: string): any[] {
  return parseAllDocuments(stdout).map((d) => d.toJS());
}

const expectValid = expectValidReports;

/** A List as `kubectl get ... -A -o json` prints it, from manifests given namespaces and uids. */
function clusterList(items: Record<string, any>[]): string {
  return JSON.stringify({ apiVersion: "v1", kind: "List", metadata: { resourceVersion: "" }, items });
}

describe("stateward audit", () => {
  it("the committed CRD is the namespaced PolicyReport of wgpolicyk8s.io, served in v1alpha2", () => {
    expect(crd.spec).toMatchObject({ group: "wgpolicyk8s.io", scope: "Namespaced", names: { kind: "PolicyReport" } });
    expect(validate({ apiVersion: "wgpolicyk8s.io/v1alpha2", kind: "PolicyReport", metadata: {}, results: [{ policy: "p", result: "maybe" }] })).toBe(false);
    expect(validate({ apiVersion: "wgpolicyk8s.io/v1alpha2", kind: "PolicyReport", metadata: {}, results: [{ policy: "p", reslt: "pass" }] })).toBe(false);
  });

  // The corpus holds a policy/v1beta1 PodDisruptionBudget (CockroachDB's archived example): an input error of check,
  // but none of the audit, whose input is what a cluster served (a cluster before 1.21 serves only policy/v1beta1).
  it("over the corpus manifests prints PolicyReports that validate against the CRD", async () => {
    const { code, stdout, stderr } = await cli(["audit", "test/fixtures/corpus"]);
    expect(stderr).toBe("");
    // The corpus holds objects the webhook would deny (its fail results): exit 1, as check's, the reports all printed.
    expect(code).toBe(1);
    const reports = reportsOf(stdout);
    expect(reports.length).toBeGreaterThan(0);
    expectValid(reports);
    expect(stdout).not.toMatch(/[&*]a\d/);
    const results = reports.flatMap((r) => r.results);
    expect(new Set(results.map((r: { result: string }) => r.result))).toEqual(new Set(["pass", "warn", "fail"]));
    for (const report of reports) {
      const counted = { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 } as Record<string, number>;
      for (const r of report.results) counted[r.result] = (counted[r.result] ?? 0) + 1;
      expect(report.summary).toEqual(counted);
      expect(report.results.every((r: any) => r.resources[0].namespace === report.metadata.namespace)).toBe(true);
    }
  });

  it("reads a cluster's List: one report per namespace, pass for each rule that found nothing, fail and warn per finding", async () => {
    const corpus = readdirSync(path.join(repoRoot, "test/fixtures/seeds")).filter((f) => f.endsWith(".yaml"));
    expect(corpus.length).toBeGreaterThan(0);
    const web = parseAllDocuments(readFileSync(path.join(repoRoot, "test/fixtures/seeds/000-web.yaml"), "utf8")).map((d) => d.toJS());
    const items = web.map((object, i) => ({ ...object, metadata: { ...object.metadata, namespace: "shop", uid: `uid-${i}` } }));
    const broken = structuredClone(items.find((o) => o.kind === "StatefulSet"));
    broken.metadata = { ...broken.metadata, name: "broken", namespace: "billing", uid: "uid-broken" };
    delete broken.spec.selector;
    const list = clusterList([...items, broken, { apiVersion: "v1", kind: "Service", metadata: { name: "kube-dns", namespace: "kube-system" }, spec: {} }]);

    const { code, stdout } = await cli(["audit", "-"], { stdin: list });
    expect(code).toBe(1);
    const reports = reportsOf(stdout);
    expectValid(reports);
    expect(reports.map((r) => r.metadata.namespace)).toEqual(["billing", "shop"]);
    const [billing, shop] = reports;
    expect(billing.summary.fail).toBeGreaterThanOrEqual(1);
    expect(billing.results).toContainEqual(
      expect.objectContaining({
        policy: "statefulset-selector",
        rule: "statefulset-selector",
        result: "fail",
        source: "stateward",
        severity: "high",
        resources: [{ apiVersion: "apps/v1", kind: "StatefulSet", namespace: "billing", name: "broken", uid: "uid-broken" }],
        properties: expect.objectContaining({ path: "spec.selector" }),
      }),
    );
    const webResults = shop.results.filter((r: any) => r.resources[0].name === "web");
    expect(webResults.find((r: any) => r.policy === "statefulset-headless-service")).toMatchObject({ result: "pass" });
    expect(webResults.find((r: any) => r.policy === "statefulset-readiness-probe")).toMatchObject({ result: "warn", severity: "medium" });
    expect(webResults.some((r: any) => r.policy === "statefulset-immutable-fields")).toBe(false);

    const json = await cli(["audit", "--output", "json", "-"], { stdin: list });
    const document = JSON.parse(json.stdout);
    expect(document.objects.map((o: { namespace: string; name: string }) => `${o.namespace}/${o.name}`).sort()).toEqual(["billing/broken", "shop/web"]);
    expect(document.summary.denied).toBe(1);
  });

  it("honours the policy: a rule switched off gives no result, exempt namespaces no report", async () => {
    const list = clusterList(
      parseAllDocuments(readFileSync(path.join(repoRoot, "test/fixtures/seeds/000-web.yaml"), "utf8"))
        .map((d) => d.toJS())
        .map((o) => ({ ...o, metadata: { ...o.metadata, namespace: "shop" } })),
    );
    const { stdout } = await cli(["audit", "-"], { stdin: list });
    expect(reportsOf(stdout)[0].results.some((r: any) => r.policy === "statefulset-readiness-probe")).toBe(true);
    const dir = mkdtempSync(path.join(tmpdir(), "stateward-audit-"));
    const off = path.join(dir, "off.yaml");
    writeFileSync(off, "rules:\n  statefulset-readiness-probe: {action: off}\n");
    const withoutProbe = reportsOf((await cli(["audit", "--policy", off, "-"], { stdin: list })).stdout);
    expectValid(withoutProbe);
    expect(withoutProbe[0].results.some((r: any) => r.policy === "statefulset-readiness-probe")).toBe(false);
    const exempt = path.join(dir, "exempt.yaml");
    writeFileSync(exempt, "exemptions:\n  namespaces: [shop]\n");
    const none = await cli(["audit", "--policy", exempt, "-"], { stdin: list });
    expect(none.code).toBe(0);
    expect(reportsOf(none.stdout)).toEqual([]);
  });

  it("writes the same reports as openreports.io/v1alpha1 Reports with --report-api, valid against that CRD", async () => {
    expect(openReportsCrd.spec).toMatchObject({ group: "openreports.io", scope: "Namespaced", names: { kind: "Report" } });
    expect(openReportsCrd.spec.versions.map((v: { name: string }) => v.name)).toContain("v1alpha1");
    // The validator refuses what the API server would: an unknown result, a misspelt field, the other API's kind.
    expect(validateOpenReport({ apiVersion: "openreports.io/v1alpha1", kind: "Report", metadata: {}, results: [{ policy: "p", result: "maybe" }] })).toBe(false);
    expect(validateOpenReport({ apiVersion: "openreports.io/v1alpha1", kind: "Report", metadata: {}, results: [{ policy: "p", reslt: "pass" }] })).toBe(false);
    expect(validateOpenReport({ apiVersion: "openreports.io/v1alpha1", kind: "Report", metadata: {}, sumary: {} })).toBe(false);

    const { code, stdout, stderr } = await cli(["audit", "--report-api", "openreports.io/v1alpha1", "test/fixtures/corpus"]);
    expect(stderr).toBe("");
    expect(code).toBe(1);
    const reports = reportsOf(stdout);
    expectValidOpenReports(reports);
    for (const report of reports) expect(report).toMatchObject({ apiVersion: "openreports.io/v1alpha1", kind: "Report", source: "stateward" });
    // The same results as the default PolicyReports, report by report.
    const policyReports = reportsOf((await cli(["audit", "test/fixtures/corpus"])).stdout);
    expectValid(policyReports);
    const comparable = ({ apiVersion: _, kind: __, source: ___, ...report }: any) => ({
      ...report,
      results: report.results.map(({ timestamp: _t, ...result }: any) => result),
    });
    expect(reports.map(comparable)).toEqual(policyReports.map(comparable));
  });

  it("exits as check does: 0 with nothing denied, 1 on a denial (or a warning, with --warnings-as-errors), 2 on bad input", async () => {
    const web = parseAllDocuments(readFileSync(path.join(repoRoot, "test/fixtures/seeds/000-web.yaml"), "utf8")).map((d) => d.toJS());
    const shop = web.map((o) => ({ ...o, metadata: { ...o.metadata, namespace: "shop" } }));
    const warned = clusterList(shop);
    const clean = await cli(["audit", "-"], { stdin: warned });
    expect({ code: clean.code, stderr: clean.stderr }).toEqual({ code: 0, stderr: "" });
    const results = reportsOf(clean.stdout).flatMap((r) => r.results.map((x: { result: string }) => x.result));
    expect(results).toContain("warn");
    expect(results).not.toContain("fail");
    for (const output of ["reports", "json"]) {
      expect((await cli(["audit", "-o", output, "--warnings-as-errors", "-"], { stdin: warned })).code, output).toBe(1);
    }

    const broken = structuredClone(shop.find((o) => o.kind === "StatefulSet"));
    delete broken.spec.selector;
    const denied = await cli(["audit", "-o", "json", "-"], { stdin: clusterList([...shop.filter((o) => o.kind !== "StatefulSet"), broken]) });
    expect(denied.code).toBe(1);
    expect(JSON.parse(denied.stdout).summary).toMatchObject({ denied: 1, errors: 0 });

    // Unreadable input: exit 2 with the reason, and the reports of what could be read.
    const dir = mkdtempSync(path.join(tmpdir(), "stateward-audit-exit-"));
    writeFileSync(path.join(dir, "cluster.json"), warned);
    writeFileSync(path.join(dir, "broken.yaml"), "kind: [unclosed\n");
    const bad = await cli(["audit", "cluster.json", "broken.yaml"], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^broken\.yaml:2: error: YAML syntax error: /);
    expectValid(reportsOf(bad.stdout));
    expect((await cli(["audit", "--policy", "nowhere.yaml", "cluster.json"], { cwd: dir })).code).toBe(2);
  });

  it("exits 2 with usage on a bad output format or no input", async () => {
    expect((await cli(["audit", "--report-api", "wgpolicyk8s.io/v1beta1", "x.json"])).stderr).toContain(
      "--report-api takes wgpolicyk8s.io/v1alpha2 or openreports.io/v1alpha1",
    );
    expect((await cli(["audit", "-o", "json", "--report-api", "openreports.io/v1alpha1", "x.json"])).stderr).toContain("--report-api applies to --output reports, not json");
    expect((await cli(["audit", "-o", "xml", "x.json"])).stderr).toContain("--output takes reports or json");
    expect((await cli(["audit"])).code).toBe(2);
  });
});
