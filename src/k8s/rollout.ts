/**
 * What the StatefulSet controller does with a change, restated from kubernetes/kubernetes
 * pkg/controller/statefulset/stateful_set_control.go (`updateStatefulSet`, `updateStatefulSetAfterInvariantEstablished`):
 *
 * - pods outside the new ordinal range are condemned and deleted, highest ordinal first; missing ones are created,
 *   lowest first, each once its predecessors are Running and Ready under OrderedReady, all at once under Parallel;
 * - under RollingUpdate, the pods whose revision is not the update revision are deleted (and re-created from the new
 *   template) highest ordinal first, down to the partition: replica index `partition` (ordinal `start + partition`)
 *   is the lowest one updated, the ones below keep the current revision;
 * - one pod at a time, waiting for it to be available again; with the MaxUnavailableStatefulSet feature gate,
 *   `maxUnavailable` at a time (a percentage of replicas rounded down, at least 1: getStatefulSetMaxUnavailable);
 * - under OnDelete nothing is deleted: a pod takes the new template when someone deletes it;
 * - under OrderedReady, a pod that is not Running and Ready stops everything (processReplica) before the update
 *   step, whatever the template says: a rollout stuck on a broken pod stays stuck after the template is fixed
 *   (kubernetes/kubernetes#67250) until that pod is deleted.
 *
 * Pure: it reads the old and new objects (and the old one's status), never the cluster.
 */
import { scaledIntOrPercent } from "./int-or-percent.js";
import type { StatefulSet, StatefulSetStatus } from "./objects.js";
import { statefulSetStatusSchema } from "./objects.js";
import { apiServerEquality, semanticEqual } from "./semantic.js";

export interface RolloutSettings {
  name: string;
  /** spec.ordinals.start, defaulted to 0. */
  start: number;
  /** spec.replicas, defaulted to 1 as the API server does. */
  replicas: number;
  strategy: "RollingUpdate" | "OnDelete";
  /** The replica index below which pods keep the current revision. */
  partition: number;
  /** Pods updated at a time where the MaxUnavailableStatefulSet gate is on; 1 where it is off. */
  maxUnavailable: number;
  /** podManagementPolicy OrderedReady (the default), as opposed to Parallel. */
  ordered: boolean;
}

const whole = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : undefined;

/**
 * `maxUnavailable` resolved against replicas as the StatefulSet controller does (getStatefulSetMaxUnavailable in
 * stateful_set_control.go): a percentage rounded down, and at least 1.
 */
export function resolveMaxUnavailable(value: number | string | null | undefined, replicas: number): number {
  const scaled = value === null || value === undefined ? 1 : scaledIntOrPercent(value, replicas, false);
  return Math.max(1, Math.floor(scaled ?? 1));
}

export function rolloutSettings(statefulSet: StatefulSet): RolloutSettings {
  const spec = statefulSet.spec;
  const replicas = whole(spec?.replicas) ?? 1;
  const rolling = spec?.updateStrategy?.rollingUpdate;
  return {
    name: statefulSet.metadata?.name ?? "",
    start: whole(spec?.ordinals?.start) ?? 0,
    replicas,
    strategy: spec?.updateStrategy?.type === "OnDelete" ? "OnDelete" : "RollingUpdate",
    partition: whole(rolling?.partition) ?? 0,
    maxUnavailable: resolveMaxUnavailable(rolling?.maxUnavailable, replicas),
    ordered: (spec?.podManagementPolicy || "OrderedReady") === "OrderedReady",
  };
}

/**
 * Consecutive ordinals, `low` to `high` inclusive. Sets of pods are kept as spans, never as lists: replicas is any
 * int32, and what a check is sent must not decide how much memory it takes.
 */
export interface OrdinalSpan {
  low: number;
  high: number;
}

/** The ordinals of the settings' pods; undefined for none. */
export function spanOf(settings: RolloutSettings): OrdinalSpan | undefined {
  return settings.replicas === 0 ? undefined : { low: settings.start, high: settings.start + settings.replicas - 1 };
}

const within = (span: OrdinalSpan | undefined, low: number, high: number): OrdinalSpan | undefined => {
  if (!span) return undefined;
  const clipped = { low: Math.max(span.low, low), high: Math.min(span.high, high) };
  return clipped.low <= clipped.high ? clipped : undefined;
};

/** The ordinals of `a` that are not in `b`: at most two spans, lowest first. */
function without(a: OrdinalSpan | undefined, b: OrdinalSpan | undefined): OrdinalSpan[] {
  if (!a) return [];
  if (!b) return [a];
  return [within(a, -Infinity, b.low - 1), within(a, b.high + 1, Infinity)].filter((s): s is OrdinalSpan => s !== undefined);
}

export const countOf = (spans: readonly OrdinalSpan[]) => spans.reduce((n, s) => n + s.high - s.low + 1, 0);

/** Up to `limit` ordinals of `spans` (lowest first), highest first when `descending`. */
export function firstOrdinals(spans: readonly OrdinalSpan[], limit: number, descending = false): number[] {
  const out: number[] = [];
  const ordered = descending ? [...spans].reverse() : spans;
  for (const span of ordered) {
    for (let i = 0; i <= span.high - span.low && out.length < limit; i++) out.push(descending ? span.high - i : span.low + i);
  }
  return out;
}

/** The last ordinal of `spans` in the given order. */
export function lastOrdinal(spans: readonly OrdinalSpan[], descending = false): number | undefined {
  return descending ? spans[0]?.low : spans.at(-1)?.high;
}

export const podName = (name: string, ordinal: number) => `${name}-${ordinal}`;

/** The status the controller last wrote, or undefined when there is none or it does not have the controller's shape. */
export function statusOf(statefulSet: StatefulSet | undefined): StatefulSetStatus | undefined {
  const status = (statefulSet as { status?: unknown } | undefined)?.status;
  if (status === undefined || status === null) return undefined;
  const parsed = statefulSetStatusSchema.safeParse(status);
  return parsed.success ? parsed.data : undefined;
}

/** Whether the controller's last status shows a revision not yet rolled out: updateRevision ahead of currentRevision. */
function pendingRevision(status: StatefulSetStatus | undefined): boolean {
  return !!status?.updateRevision && !!status.currentRevision && status.updateRevision !== status.currentRevision;
}

export interface Impact {
  settings: RolloutSettings;
  templateChanged: boolean;
  replicas: { from: number; to: number } | undefined;
  strategyChanged: boolean;
  /** Pods created by a scale-up; the controller creates them lowest ordinal first. */
  created: OrdinalSpan[];
  /** Pods deleted by a scale-down; the controller deletes them highest ordinal first. */
  removed: OrdinalSpan[];
  /** Pods deleted and re-created with the update revision; the controller goes highest ordinal first. */
  restarts: OrdinalSpan[];
  /** Pods below the partition, which keep the current revision. */
  heldBack: OrdinalSpan[];
  /**
   * Why pods that should take the new revision do not: `partition` (partition ≥ replicas), `on-delete` (they wait to be
   * deleted, listed in `restarts`); undefined when the controller rolls them itself.
   */
  waits: "partition" | "on-delete" | undefined;
  /**
   * The pod a stuck rollout waits for (see stuckRollout): under OrderedReady the controller does none of the above
   * while it is not Ready, since it checks every pod in order before it scales or updates any.
   */
  heldUpBy: number | undefined;
}

const specOf = (s: StatefulSet) => s.spec ?? {};
const present = (span: OrdinalSpan | undefined): OrdinalSpan[] => (span ? [span] : []);

/**
 * What the controller does when `updated` replaces `old`; undefined when the update changes neither the template,
 * the replicas nor the update strategy (a label, an annotation, the status): the controller does nothing new.
 */
export function impactOf(old: StatefulSet, updated: StatefulSet): Impact | undefined {
  const before = rolloutSettings(old);
  const settings = rolloutSettings(updated);
  const templateChanged = !semanticEqual(specOf(old).template, specOf(updated).template, apiServerEquality);
  const replicasChanged = before.replicas !== settings.replicas || before.start !== settings.start;
  const strategyChanged = !semanticEqual(specOf(old).updateStrategy, specOf(updated).updateStrategy, apiServerEquality);
  if (!templateChanged && !replicasChanged && !strategyChanged) return undefined;

  const existing = spanOf(before);
  const wanted = spanOf(settings);
  const kept = wanted && existing ? within(wanted, existing.low, existing.high) : undefined;

  // Which kept pods are not at the update revision once the change is stored: all of them after a template change
  // (a new revision); else those a pending revision has not reached yet, the lowest ones, since it rolls from the top.
  let outdated: OrdinalSpan | undefined;
  if (templateChanged) {
    outdated = kept;
  } else if (pendingRevision(statusOf(old))) {
    const updatedCount = whole(statusOf(old)?.updatedReplicas) ?? 0;
    outdated = within(kept, -Infinity, before.start + before.replicas - updatedCount - 1);
  }
  const lowestUpdated = settings.start + settings.partition;
  const rolling = settings.strategy === "RollingUpdate";
  const restarts = rolling ? within(outdated, lowestUpdated, Infinity) : outdated;
  const heldBack = rolling ? within(outdated, -Infinity, lowestUpdated - 1) : undefined;
  const waits = !outdated ? undefined : !rolling ? "on-delete" : settings.partition >= settings.replicas ? "partition" : undefined;
  return {
    settings,
    templateChanged,
    replicas: replicasChanged ? { from: before.replicas, to: settings.replicas } : undefined,
    strategyChanged,
    created: without(wanted, existing),
    removed: without(existing, wanted),
    restarts: present(restarts),
    heldBack: present(heldBack),
    waits,
    heldUpBy: stuckRollout(old)?.ordinal,
  };
}

export interface StuckRollout {
  /** The pod the controller waits for: the last one it updated, which has not become Ready. */
  ordinal: number;
  readyReplicas: number;
  replicas: number;
  updatedReplicas: number;
  currentRevision: string;
  updateRevision: string;
}

/**
 * A rollout the old object's status shows in progress and not progressing: updateRevision ahead of currentRevision
 * and fewer pods Ready than wanted, under OrderedReady, where one pod that is not Ready blocks the controller.
 * Undefined otherwise. The pod is the lowest updated ordinal (the rollout runs from the top), or the highest ordinal
 * when no pod is at the update revision yet.
 */
export function stuckRollout(old: StatefulSet): StuckRollout | undefined {
  const settings = rolloutSettings(old);
  const status = statusOf(old);
  if (!settings.ordered || !status || !pendingRevision(status) || settings.replicas === 0) return undefined;
  const readyReplicas = whole(status.readyReplicas) ?? 0;
  if (readyReplicas >= settings.replicas) return undefined;
  const updatedReplicas = Math.min(whole(status.updatedReplicas) ?? 0, settings.replicas);
  return {
    ordinal: settings.start + settings.replicas - Math.max(updatedReplicas, 1),
    readyReplicas,
    replicas: settings.replicas,
    updatedReplicas,
    currentRevision: status.currentRevision!,
    updateRevision: status.updateRevision!,
  };
}
