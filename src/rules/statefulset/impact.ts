import * as z from "zod";
import { FieldPath, warning } from "../../k8s/field.js";
import { defineRule } from "../../engine/types.js";
import { countOf, firstOrdinals, type Impact, impactOf, lastOrdinal, type OrdinalSpan, podName } from "../../k8s/rollout.js";

/** Pods named before the list is shortened to its ends: a warning has 256 characters. */
const maxNamed = 4;

/** `web-2, web-1, web-0`; a long list keeps its ends: `web-9, web-8, ..., web-0 (10 pods)`. */
export function podList(name: string, spans: readonly OrdinalSpan[], descending = false): string {
  const count = countOf(spans);
  const names = (ordinals: number[]) => ordinals.map((ordinal) => podName(name, ordinal));
  if (count <= maxNamed) return names(firstOrdinals(spans, maxNamed, descending)).join(", ");
  const last = podName(name, lastOrdinal(spans, descending)!);
  return `${names(firstOrdinals(spans, 2, descending)).join(", ")}, ..., ${last} (${count} pods)`;
}

const pace = (impact: Impact) => {
  const { maxUnavailable } = impact.settings;
  if (maxUnavailable <= 1) return "one at a time";
  return `${maxUnavailable} at a time where the MaxUnavailableStatefulSet gate is on, else 1`;
};

/** What changed, as the warning opens: `template-only change`, `replicas 3 -> 5 and template change`. */
function changeOf(impact: Impact): string {
  const changed: string[] = [];
  if (impact.replicas) changed.push(`replicas ${impact.replicas.from} -> ${impact.replicas.to}`);
  if (impact.templateChanged) changed.push("template");
  if (impact.strategyChanged) changed.push("updateStrategy");
  if (changed.length === 1 && impact.templateChanged) return "template-only change";
  return `${changed.join(", ")} change`;
}

/** The controller's actions in its own order: scaling first, then the rolling update (stateful_set_control.go). */
export function describeImpact(impact: Impact): string {
  const { name, ordered, partition, replicas } = impact.settings;
  const steps: string[] = [];
  if (impact.removed.length > 0) steps.push(`deletes ${podList(name, impact.removed, true)}, highest first`);
  if (impact.created.length > 0) {
    steps.push(`creates ${podList(name, impact.created)}${ordered ? " in order, each once the one before is Ready" : " at once (Parallel)"}`);
  }
  if (impact.waits === "on-delete") {
    steps.push(`restarts no pod until deleted (OnDelete): the rollout waits for you to delete ${podList(name, impact.restarts, true)}; kubectl rollout status does not follow OnDelete`);
  } else if (impact.waits === "partition") {
    // kubectl's StatefulSetStatusViewer counts replicas - partition pods to update: none, so it reports it complete.
    steps.push(`restarts no pod: partition ${partition} >= replicas ${replicas}; the rollout waits until partition is lowered, though kubectl rollout status calls it complete`);
  } else if (impact.restarts.length > 0) {
    steps.push(`restarts ${podList(name, impact.restarts, true)}, highest ordinal first, ${pace(impact)}, each once Ready`);
  }
  if (impact.waits !== "partition" && impact.heldBack.length > 0) {
    steps.push(`keeps ${podList(name, impact.heldBack)} on the old revision (partition ${partition})`);
  }
  if (steps.length === 0) steps.push("restarts no pod");
  const heldUp = impact.heldUpBy === undefined ? "" : `, once ${podName(name, impact.heldUpBy)} is Ready or deleted (OrderedReady)`;
  return `${changeOf(impact)}: the controller ${steps.join("; ")}${heldUp}`;
}

/** The field the warning is about: the template when it changed, else the strategy, else the replicas. */
function pathOf(impact: Impact): FieldPath {
  if (impact.templateChanged) return FieldPath.root("spec", "template");
  if (impact.strategyChanged) return FieldPath.root("spec", "updateStrategy");
  return FieldPath.root("spec", "replicas");
}

/** The change of most examples: the container's image. */
const newImage = "spec:\n  template:\n    spec:\n      containers:\n        - name: nginx\n          image: nginx:1.27.3\n";

export const statefulSetImpact = defineRule({
  id: "statefulset-impact",
  summary:
    "On an update that changes the pod template, replicas or update strategy, says what the StatefulSet controller will do: which pods it restarts, creates or deletes, in which order, and when the rollout will wait.",
  rationale:
    "A StatefulSet change is carried out by the controller after the API server has accepted it: pods are restarted from the highest ordinal down to the partition, one at a time (or maxUnavailable at a time where the MaxUnavailableStatefulSet gate is on); under OnDelete none restarts until deleted (and kubectl rollout status refuses to follow it), and with a partition at or above replicas none restarts at all, while kubectl rollout status reports the rollout complete. Saying so before the controller acts is the moment it can still be changed.",
  fix: "Nothing to fix: the warning describes the change. If it is not what you meant, change the partition, the update strategy or the replicas before applying; `stateward plan` prints the same from a live object.",
  kinds: ["StatefulSet"],
  operations: ["UPDATE"],
  defaultAction: "warn",
  examples: [
    {
      title: "A new image, RollingUpdate",
      before: "spec:\n  replicas: 3\n  updateStrategy:\n    type: RollingUpdate\n    rollingUpdate:\n      partition: 0\n",
      after: newImage,
      says: "spec.template: template-only change: the controller restarts web-2, web-1, web-0, highest ordinal first, one at a time, each once Ready",
    },
    {
      title: "A new image under a partition",
      before: "spec:\n  replicas: 3\n  updateStrategy:\n    type: RollingUpdate\n    rollingUpdate:\n      partition: 1\n",
      after: newImage,
      says: "spec.template: template-only change: the controller restarts web-2, web-1, highest ordinal first, one at a time, each once Ready; keeps web-0 on the old revision (partition 1)",
    },
    {
      title: "A partition at replicas: nothing rolls",
      before: "spec:\n  replicas: 3\n  updateStrategy:\n    type: RollingUpdate\n    rollingUpdate:\n      partition: 3\n",
      after: newImage,
      says: "spec.template: template-only change: the controller restarts no pod: partition 3 >= replicas 3; the rollout waits until partition is lowered, though kubectl rollout status calls it complete",
    },
    {
      title: "OnDelete: nothing restarts until deleted",
      before: "spec:\n  replicas: 3\n  updateStrategy:\n    type: OnDelete\n",
      after: newImage,
      says: "spec.template: template-only change: the controller restarts no pod until deleted (OnDelete): the rollout waits for you to delete web-2, web-1, web-0; kubectl rollout status does not follow OnDelete",
    },
    {
      title: "maxUnavailable",
      before: "spec:\n  replicas: 5\n  updateStrategy:\n    type: RollingUpdate\n    rollingUpdate:\n      partition: 0\n      maxUnavailable: 40%\nstatus:\n  replicas: 5\n  readyReplicas: 5\n  currentReplicas: 5\n  updatedReplicas: 5\n  availableReplicas: 5\n",
      after: newImage,
      says: "spec.template: template-only change: the controller restarts web-4, web-3, ..., web-0 (5 pods), highest ordinal first, 2 at a time where the MaxUnavailableStatefulSet gate is on, else 1, each once Ready",
    },
    {
      title: "A scale-up",
      before: "spec:\n  replicas: 3\n",
      after: "spec:\n  replicas: 5\n",
      says: "spec.replicas: replicas 3 -> 5 change: the controller creates web-3, web-4 in order, each once the one before is Ready",
    },
    {
      title: "A label-only update",
      before: "metadata:\n  labels:\n    app: nginx\n",
      after: "metadata:\n  labels:\n    app: nginx\n    team: storefront\n",
      says: null,
    },
  ],
  params: z.object({}),
  check({ object, oldObject }) {
    if (!oldObject) return [];
    const impact = impactOf(oldObject, object);
    return impact ? [warning(pathOf(impact), describeImpact(impact))] : [];
  },
  cel: { notExported: "an impact warning: it says what the StatefulSet controller will do to the pods on this update, which is the webhook's to tell" },
});
