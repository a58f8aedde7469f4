/**
 * `stateward audit`: what the webhook would say about objects that already run. A webhook sees changes only, so
 * StatefulSets and PVCs created before it was installed, or while a rule was off, are never judged; the audit runs
 * the same check as `stateward check` (every rule the policy switches on, the other objects of the List as the
 * cluster view) over a cluster's List and reports the findings as JSON or as PolicyReports, one per namespace.
 */
import { stringify } from "yaml";
import { auditedObject } from "../audit/audit.js";
import { inReportApi, type ReportApi, reportApis } from "../audit/open-reports.js";
import { fitPolicyReport, policyReports } from "../audit/policy-report.js";
import type { Policy } from "../engine/types.js";
import { parseFlags, UsageError } from "../command/flags.js";
import { defaultNamespace } from "../k8s/kinds.js";
import { check, exitCodeOf } from "./check.js";
import { clusterListView } from "./cluster.js";
import { load, where } from "./load.js";
import type { Io } from "./io.js";
import { formatJson } from "./output/json.js";

export const auditUsage = `Usage: stateward audit [options] <file>...

Runs every rule on every StatefulSet, PersistentVolumeClaim and PodDisruptionBudget of a cluster's objects and
reports the results, as PolicyReports (wgpolicyk8s.io/v1alpha2, one per namespace, for kubectl apply and Policy
Reporter) or as JSON. The input is what this prints (or any manifests; - reads standard input):
  kubectl get statefulsets,persistentvolumeclaims,services,storageclasses,poddisruptionbudgets -A -o json
The input is the whole cluster, as GET /audit's view of it: a kind it holds none of (no StorageClass, say) is one
the cluster has none of.

Options:
  --policy FILE            the policy document the webhook uses (YAML or JSON)
  -o, --output FORMAT      reports (default: PolicyReports as YAML) or json (the findings, as stateward check -o json)
  --warnings-as-errors     exit 1 on warnings too
  --report-api API         the reports' API: wgpolicyk8s.io/v1alpha2 (default: PolicyReport, what Kyverno writes by
                           default) or openreports.io/v1alpha1 (Report, what Kyverno 1.15+ writes with
                           --openreportsEnabled)

Exit codes, as stateward check's: 0 nothing would be denied, 1 something would be denied (or warned, with
--warnings-as-errors), 2 bad usage or input. The reports are printed in full whatever the code.
`;

export interface AuditArgs {
  paths: string[];
  policy?: string;
  output: "reports" | "json";
  reportApi: ReportApi;
  warningsAsErrors: boolean;
}

export function parseAuditArgs(argv: readonly string[]): AuditArgs {
  const { values, positionals } = parseFlags(argv, {
    policy: { type: "string" },
    output: { type: "string", short: "o" },
    "report-api": { type: "string" },
    "warnings-as-errors": { type: "boolean" },
  });
  const output = values.output ?? "reports";
  if (output !== "reports" && output !== "json") throw new UsageError("--output takes reports or json");
  const reportApi = reportApis.find((api) => api === (values["report-api"] ?? reportApis[0]));
  if (!reportApi) throw new UsageError(`--report-api takes ${reportApis.join(" or ")}`);
  if (output === "json" && values["report-api"] !== undefined) throw new UsageError("--report-api applies to --output reports, not json");
  if (positionals.length === 0) throw new UsageError("name the List file (kubectl get ... -A -o json), or - for standard input");
  const warningsAsErrors = values["warnings-as-errors"] === true;
  return { paths: positionals, output, reportApi, warningsAsErrors, ...(values.policy ? { policy: values.policy } : {}) };
}

export async function runAudit(args: AuditArgs, policy: Policy, io: Io, now = new Date()): Promise<number> {
  const loaded = await load(args.paths, { cwd: io.cwd, readStdin: io.readStdin });
  const report = await check(loaded, { policy, clusterView: true, namespace: defaultNamespace, cluster: clusterListView(loaded.manifests, defaultNamespace) });
  for (const error of report.errors) io.stderr(`${where(error)}: error: ${error.message}\n`);
  if (args.output === "json") {
    io.stdout(formatJson(report));
  } else {
    const audited = report.objects.map(({ apiVersion, kind, namespace, name, uid, findings, exemptions, exempted }) =>
      auditedObject(policy, { apiVersion, kind, namespace, name, ...(uid ? { uid } : {}) }, findings, { exemptions: exemptions ?? [], findings: exempted ?? [] }),
    );
    // No YAML anchors: every result names its resource and time in full, as kubectl get -o yaml would show it.
    const reports = inReportApi(policyReports(audited, now).map((report) => fitPolicyReport(report)), args.reportApi);
    io.stdout(reports.map((r) => `---\n${stringify(r, { lineWidth: 0, aliasDuplicateObjects: false })}`).join(""));
  }
  return exitCodeOf(report, args.warningsAsErrors);
}
