/**
 * Writes the audit's PolicyReports into the cluster, where Policy Reporter and `kubectl get policyreports -A` read
 * them: one report per namespace, applied server-side with the field manager `stateward`; Stateward's report of a
 * namespace the audit no longer covers (its objects are gone, or the policy now exempts it) is deleted, so no report
 * outlives what it describes. The in-cluster server does it on a schedule, `stateward sync --policy-reports` after a
 * sync to the Worker.
 */
import { fitPolicyReport, type PolicyReport, policyReportApiVersion, policyReportName, reportSource } from "../audit/policy-report.js";
import { ApiError, type ApiServer, applyObject, deleteObject, listPaged } from "./kube-api.js";

const [group, version] = policyReportApiVersion.split("/") as [string, string];

/** The CustomResourceDefinition that defines PolicyReports: `<plural>.<group>`. */
export const policyReportCrd = `policyreports.${group}`;

/** Every namespace's PolicyReports, as a ServiceAccount with `list` on policyreports reads them. */
export const policyReportsPath = `/apis/${group}/${version}/policyreports`;

const reportPath = (namespace: string, name: string) =>
  `/apis/${group}/${version}/namespaces/${encodeURIComponent(namespace)}/policyreports/${encodeURIComponent(name)}`;

/** Selects the reports Stateward wrote, and no one else's. */
const ownReports = `app.kubernetes.io/managed-by=${reportSource}`;

export interface ReportsWritten {
  applied: number;
  deleted: number;
  /** Reports that could not be written or deleted, each with the API server's reason (a namespace being deleted...). */
  failed: { namespace: string; error: string }[];
}

/**
 * Makes the cluster's Stateward reports `reports`: applies each (cut to a size etcd stores, `fitPolicyReport`), then
 * deletes Stateward's reports of other namespaces.
 * Rejects when the reports cannot even be listed (no PolicyReport CRD installed, no RBAC): nothing was changed then.
 */
export async function writePolicyReports(api: ApiServer, reports: readonly PolicyReport[]): Promise<ReportsWritten> {
  const held: { namespace: string; name: string }[] = [];
  try {
    await listPaged(api, `${policyReportsPath}?${new URLSearchParams({ labelSelector: ownReports })}`, 500, (items) => {
      for (const item of items) {
        const metadata = (item as { metadata?: { namespace?: unknown; name?: unknown } }).metadata;
        if (typeof metadata?.namespace === "string" && metadata.name === policyReportName) held.push({ namespace: metadata.namespace, name: policyReportName });
      }
    });
  } catch (error) {
    // The API answers 404 for a resource no CRD defines: say which CRD, not only the path.
    if (error instanceof ApiError && error.status === 404) {
      throw new ApiError(404, `the PolicyReport CRD (${policyReportCrd}) is not installed in the cluster; Kyverno or Policy Reporter install it (${error.message})`);
    }
    throw error;
  }
  const written: ReportsWritten = { applied: 0, deleted: 0, failed: [] };
  const covered = new Set<string>();
  for (const report of reports) {
    covered.add(report.metadata.namespace);
    try {
      await applyObject(api, reportPath(report.metadata.namespace, report.metadata.name), fitPolicyReport(report));
      written.applied += 1;
    } catch (error) {
      written.failed.push({ namespace: report.metadata.namespace, error: error instanceof Error ? error.message : String(error) });
    }
  }
  for (const stale of held.filter((h) => !covered.has(h.namespace))) {
    try {
      await deleteObject(api, reportPath(stale.namespace, stale.name));
      written.deleted += 1;
    } catch (error) {
      written.failed.push({ namespace: stale.namespace, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return written;
}
