/**
 * Workers Analytics Engine as the Worker's metrics backend: the events Node counts in Prometheus, written as data
 * points to the dataset bound as `STATEWARD_ANALYTICS` (wrangler.toml), and nothing at all without that binding.
 * Queried with SQL through the Analytics Engine API (README: Metrics).
 *
 * Layout, the same for every row so one query can filter on blob1:
 *   review:  blobs [ "review", route, kind, operation, decision ]  doubles [ durationMs, denials, warnings, defaults ]
 *   finding: blobs [ "finding", route, kind, ruleId, action ]     doubles [ count ]
 *   default: blobs [ "default", route, kind, defaultId ]          doubles [ 1 ]
 *   error:   blobs [ "error", route, reason ]                     doubles [ 1 ]
 * The index (the sampling key) is the kind of event.
 */
import { countFindings, type Telemetry } from "../http/telemetry.js";

export interface AnalyticsBindings {
  STATEWARD_ANALYTICS?: AnalyticsEngineDataset;
}

/** The telemetry writing to the bound dataset, or undefined when none is bound. */
export function analyticsTelemetry(dataset: AnalyticsEngineDataset | undefined): Telemetry | undefined {
  if (!dataset) return undefined;
  const write = (index: string, blobs: string[], doubles: number[]) => dataset.writeDataPoint({ indexes: [index], blobs: [index, ...blobs], doubles });
  return {
    review(event) {
      const denials = event.findings.filter((f) => f.action === "deny").length;
      write("review", [event.route, event.kind, event.operation, event.decision], [
        event.durationMs,
        denials,
        event.findings.length - denials,
        event.defaults.length,
      ]);
      // One point per rule and action, not per finding: a Worker invocation may write at most 250 data points.
      for (const { ruleId, action, count } of countFindings(event.findings).values()) {
        write("finding", [event.route, event.kind, ruleId, action], [count]);
      }
      for (const id of event.defaults) write("default", [event.route, event.kind, id], [1]);
    },
    error(event) {
      write("error", [event.route, event.reason], [1]);
    },
  };
}
