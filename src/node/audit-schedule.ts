/**
 * `stateward serve --audit-interval`: audits the cluster view every interval and writes the PolicyReports into the
 * cluster. An audit of a view that has not yet listed every StatefulSet and claim would miss objects and delete the
 * reports of their namespaces, so it waits for a complete view.
 */
import { auditedKinds, auditWholeStore } from "../audit/audit.js";
import { policyReports } from "../audit/policy-report.js";
import { type ClusterStore, clusterViewOf } from "../cluster/store.js";
import type { PolicyState } from "../policy/policy.js";
import { ApiError, type ApiServer } from "./kube-api.js";
import { writePolicyReports } from "./policy-reports.js";

export interface AuditSchedule {
  api: ApiServer;
  store: ClusterStore;
  policy: PolicyState;
  intervalMs: number;
  /** The first audit, after the watch has had time to list; later ones follow every `intervalMs`. */
  firstAfterMs?: number;
  log(line: Record<string, unknown>): void;
}

/** One audit and write; resolves to what it did, never rejects (a failed round is logged and the next one tries again). */
export async function auditRound({ api, store, policy, log }: AuditSchedule): Promise<"written" | "skipped" | "failed"> {
  if (!policy.ok) {
    log({ level: "warn", msg: "audit: skipped, the policy is broken", error: policy.error });
    return "skipped";
  }
  try {
    const { kinds } = await store.summary();
    const incomplete = auditedKinds.filter((kind) => !kinds[kind].complete);
    if (incomplete.length > 0) {
      // A stale kind has lost the API server (the watch says why); the others have not been listed yet.
      const stale = incomplete.filter((kind) => kinds[kind].stale);
      const msg = stale.length > 0 ? "audit: skipped, the cluster view is stale" : "audit: skipped, the cluster view has not listed every object yet";
      log({ level: "info", msg, kinds: incomplete, ...(stale.length > 0 ? { stale } : {}) });
      return "skipped";
    }
    const started = performance.now();
    const audit = await auditWholeStore(store, { policy: policy.policy, cluster: clusterViewOf(store) });
    const reports = policyReports(audit.objects, new Date());
    const written = await writePolicyReports(api, reports);
    log({
      level: written.failed.length > 0 ? "warn" : "info",
      msg: "audit: reports written",
      objects: audit.objects.length,
      exempt: audit.exempt,
      ...written,
      durationMs: Math.round(performance.now() - started),
    });
    return written.failed.length > 0 ? "failed" : "written";
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof ApiError && error.status === 404) {
      log({ level: "warn", msg: "audit: reports not written: the cluster serves no PolicyReports; install the wgpolicyk8s.io CRD (Kyverno or Policy Reporter bring it)", error: message });
    } else {
      log({ level: "error", msg: "audit: reports not written", error: message });
    }
    return "failed";
  }
}

/** Runs `auditRound` on the schedule until stopped; rounds never overlap. */
export function scheduleAudit(schedule: AuditSchedule): { stop(): Promise<void> } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const next = (ms: number) => {
    timer = setTimeout(() => {
      running = auditRound(schedule).finally(() => {
        if (!stopped) next(schedule.intervalMs);
      });
    }, ms);
    timer.unref?.();
  };
  next(schedule.firstAfterMs ?? Math.min(schedule.intervalMs, 60_000));
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running.catch(() => undefined);
    },
  };
}
