/**
 * What the service tells a metrics backend: one event per review and per error, with labels from closed sets only
 * (a caller cannot grow a time series per name). Runtimes adapt it: prom-client counters on Node, Analytics Engine
 * data points on Workers; without one nothing is recorded.
 */
export interface ReviewEvent {
  /** The webhook's route, as `ErrorEvent.route` names it: /validate or /mutate. */
  route: "/validate" | "/mutate";
  /** StatefulSet, PersistentVolumeClaim, or other for a kind Stateward does not review. */
  kind: string;
  operation: string;
  decision: "allowed" | "denied" | "patched" | "skipped";
  findings: readonly { ruleId: string; action: "deny" | "warn" }[];
  /** Ids of the defaults applied (mutate). */
  defaults: readonly string[];
  durationMs: number;
}

export interface ErrorEvent {
  /** The route, without the token-in-path prefix. */
  route: string;
  /**
   * internal: an exception (500); policy: the policy is broken, so reviews are refused (500); aborted: the client
   * closed the connection before its request was read (a caller's timeout or cancel: no answer was owed).
   */
  reason: "internal" | "policy" | "aborted";
}

export interface Telemetry {
  review(event: ReviewEvent): void;
  error(event: ErrorEvent): void;
}

/** Per rule and action, how many findings: the shape both backends record. */
export function countFindings(findings: ReviewEvent["findings"]): Map<string, { ruleId: string; action: "deny" | "warn"; count: number }> {
  const counts = new Map<string, { ruleId: string; action: "deny" | "warn"; count: number }>();
  for (const { ruleId, action } of findings) {
    const key = `${ruleId}\u0000${action}`;
    const entry = counts.get(key);
    if (entry) entry.count++;
    else counts.set(key, { ruleId, action, count: 1 });
  }
  return counts;
}
