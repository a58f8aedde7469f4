/**
 * The log switch, `STATEWARD_LOG` on both runtimes: which requests get a line of their own. `all` logs every review
 * and observation; `findings` only the reviews whose answer denies or warns or that an exemption annotation changed, and observations that failed; `off`
 * none of them. Lines about the server itself (start, stop, internal errors, a store that fails) are written
 * whatever the setting: the API server's audit log already records every admission call, while a denial's reasons
 * and an error's cause are only here.
 */
import type { ReviewOutcome } from "../admission/handler.js";

export const reviewLogSettings = ["all", "findings", "off"] as const;
export type ReviewLogSetting = (typeof reviewLogSettings)[number];

/**
 * From `npm run bench` (docs/performance.md, "The log switch"): under `wrangler dev`, which relays each line of the
 * Worker through its own process, a line per review held Stateward to 0.3-0.5x the bare Worker's requests per second,
 * against 0.7-1.05x without it; on Node the cost was a few hundredths of the bare route's rate, near the run's noise. `findings` keeps every line an operator
 * can act on (a denial's reasons, a warning) and costs nothing for the clean reviews that are most of a cluster's.
 */
export const defaultReviewLog: ReviewLogSetting = "findings";

export const reviewLogUsage = `STATEWARD_LOG takes ${reviewLogSettings.join(", ")}`;

/** The setting a runtime was given, the default when none, or why the value is refused. */
export function readReviewLog(value: string | undefined): { setting: ReviewLogSetting } | { error: string } {
  const text = value?.trim().toLowerCase();
  if (!text) return { setting: defaultReviewLog };
  const setting = reviewLogSettings.find((s) => s === text);
  return setting ? { setting } : { error: `${reviewLogUsage}, not ${JSON.stringify(value)}` };
}

/** Whether a review with this outcome gets its line. */
export function logsReview(setting: ReviewLogSetting, outcome: ReviewOutcome): boolean {
  if (setting === "all") return true;
  if (setting === "off") return false;
  return outcome.decision === "denied" || (outcome.response.warnings?.length ?? 0) > 0 || (outcome.exempted?.length ?? 0) > 0;
}

/** Whether an observation gets its line: a store that timed out or failed is the server's own problem, always told. */
export function logsObservation(setting: ReviewLogSetting, level: string): boolean {
  return setting === "all" || level !== "info";
}
