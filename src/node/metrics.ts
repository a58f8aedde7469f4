/**
 * Prometheus metrics of the Node server (prom-client), served at /metrics: reviews, findings, defaults, review
 * durations and errors as the app reports them, the cluster view read from the store at each scrape, and the
 * process's own (CPU, memory, event-loop lag).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { clusterKinds } from "../cluster/kinds.js";
import type { ClusterStore } from "../cluster/store.js";
import { countFindings, type Telemetry } from "../http/telemetry.js";

export interface PrometheusMetrics {
  telemetry: Telemetry;
  scrape(): Promise<{ contentType: string; body: string }>;
}

/**
 * A registry of its own (not prom-client's global one), so that each server, and each test, counts alone.
 *
 * @example const metrics = prometheusMetrics(store); createApp({ config: () => ({ ..., telemetry: metrics.telemetry }), metrics: metrics.scrape })
 */
export function prometheusMetrics(store: ClusterStore, now: () => number = Date.now): PrometheusMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const reviews = new Counter({
    name: "stateward_reviews_total",
    help: "AdmissionReviews answered, by webhook route (/validate, /mutate), kind, operation and decision.",
    labelNames: ["route", "kind", "operation", "decision"] as const,
    registers: [registry],
  });
  const findings = new Counter({
    name: "stateward_findings_total",
    help: "Findings reported by /validate, by rule and effective action (deny or warn).",
    labelNames: ["rule", "action"] as const,
    registers: [registry],
  });
  const defaults = new Counter({
    name: "stateward_defaults_applied_total",
    help: "Defaults applied by /mutate, by default id.",
    labelNames: ["default"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "stateward_review_duration_seconds",
    help: "Time from a review's arrival to its answer, by webhook route and kind.",
    labelNames: ["route", "kind"] as const,
    // The API server's webhook timeout is 5 s (k8s/base/webhooks.yaml); most reviews take well under a millisecond.
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const errors = new Counter({
    name: "stateward_errors_total",
    help:
      "Requests that failed, by route and reason (internal: an exception, 500; policy: the policy is broken, 500; aborted: the client closed the connection mid-request).",
    labelNames: ["route", "reason"] as const,
    registers: [registry],
  });
  new Gauge({
    name: "stateward_cluster_view_objects",
    help: "Objects the cluster view holds, by kind.",
    labelNames: ["kind"] as const,
    registers: [registry],
    async collect() {
      const summary = await store.summary();
      for (const kind of clusterKinds) this.set({ kind }, summary.kinds[kind].count);
    },
  });
  new Gauge({
    name: "stateward_cluster_view_last_sync_age_seconds",
    help: "Seconds since each kind was last replaced by a full list (sync or watch); absent for a kind never synced.",
    labelNames: ["kind"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const summary = await store.summary();
      for (const kind of clusterKinds) {
        const syncedAt = summary.kinds[kind].syncedAt;
        if (syncedAt !== null) this.set({ kind }, Math.max(0, (now() - Date.parse(syncedAt)) / 1000));
      }
    },
  });

  new Gauge({
    name: "stateward_cluster_view_stale",
    help: "1 while the watch has lost the API server for a kind long enough that its lookups answer unknown (docs/operations.md), else 0.",
    labelNames: ["kind"] as const,
    registers: [registry],
    async collect() {
      const summary = await store.summary();
      for (const kind of clusterKinds) this.set({ kind }, summary.kinds[kind].stale ? 1 : 0);
    },
  });

  const telemetry: Telemetry = {
    review(event) {
      reviews.inc({ route: event.route, kind: event.kind, operation: event.operation, decision: event.decision });
      duration.observe({ route: event.route, kind: event.kind }, event.durationMs / 1000);
      for (const { ruleId, action, count } of countFindings(event.findings).values()) findings.inc({ rule: ruleId, action }, count);
      for (const id of event.defaults) defaults.inc({ default: id });
    },
    error(event) {
      errors.inc({ route: event.route, reason: event.reason });
    },
  };
  return { telemetry, scrape: async () => ({ contentType: registry.contentType, body: await registry.metrics() }) };
}
