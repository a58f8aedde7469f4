/**
 * Liveness apart from readiness. `/livez` says the process answers, so a kubelet restarts only a server that hangs;
 * `/readyz` says it can judge reviews (a policy loaded, a certificate served, not shutting down), so a server with a
 * broken policy stays up, unready, out of the Service, with the reason in its log and on `/readyz`, instead of
 * restarting in a loop.
 */
import type { PolicyState } from "../policy/policy.js";

/**
 * One condition a server needs before it takes reviews: its name, whether it holds, and what it is now. A degraded
 * check holds but says the server answers less well than it should (a stale cluster view: rules that read it answer
 * "could not verify"); it stays ready, because taking every replica out of the Service would fail every review closed.
 */
export interface ReadinessCheck {
  name: string;
  ready: boolean;
  degraded?: boolean;
  detail: string;
}

export interface Readiness {
  ready: boolean;
  /** Each check's detail by name, for the probe's body and for people. */
  checks: Record<string, string>;
  /** The failing checks, `name: detail`, joined; absent when ready. */
  reason?: string;
  /** The degraded checks, `name: detail`, joined; absent when none is. */
  degraded?: string;
}

export function policyCheck(policy: PolicyState): ReadinessCheck {
  return policy.ok ? { name: "policy", ready: true, detail: "loaded" } : { name: "policy", ready: false, detail: policy.error };
}

/** The verdict of a set of checks: ready when every one holds. */
export function readiness(checks: readonly ReadinessCheck[]): Readiness {
  const failing = checks.filter((check) => !check.ready);
  const summary: Readiness = { ready: failing.length === 0, checks: Object.fromEntries(checks.map((c) => [c.name, c.detail])) };
  if (failing.length > 0) summary.reason = failing.map((c) => `${c.name}: ${c.detail}`).join("; ");
  const degraded = checks.filter((check) => check.ready && check.degraded);
  if (degraded.length > 0) summary.degraded = degraded.map((c) => `${c.name}: ${c.detail}`).join("; ");
  return summary;
}
