/** The ordinals a StatefulSet's pods carry: `<name>-<ordinal>` for ordinals start .. start+replicas-1. */
import type { StatefulSet } from "./objects.js";

export interface OrdinalRange {
  start: number;
  /** The largest ordinal, the one that makes the longest pod and PVC names. */
  last: number;
}

/**
 * Replicas default to 1 and `spec.ordinals.start` to 0, as the API server defaults them. A StatefulSet scaled to zero
 * counts as one pod: it is there to be scaled up again, and its names should be fit for that.
 */
export function ordinalRange(statefulSet: StatefulSet): OrdinalRange {
  const spec = statefulSet.spec;
  const start = wholeAtLeastZero(spec?.ordinals?.start) ?? 0;
  const replicas = Math.max(wholeAtLeastZero(spec?.replicas) ?? 1, 1);
  return { start, last: start + replicas - 1 };
}

function wholeAtLeastZero(value: number | null | undefined): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : undefined;
}
