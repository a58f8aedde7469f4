import * as z from "zod";
import { defineRule } from "../../engine/types.js";
import { FieldPath, invalid, required } from "../../k8s/field.js";
import { rolloutSettings } from "../../k8s/rollout.js";

const path = FieldPath.root("spec", "minReadySeconds");

export const statefulSetMinReadySeconds = defineRule({
  id: "statefulset-min-ready-seconds",
  summary:
    "A replicated StatefulSet whose rolling update takes more than one pod down at a time (maxUnavailable above 1) sets spec.minReadySeconds.",
  rationale:
    "With maxUnavailable (KEP-961, the MaxUnavailableStatefulSet feature gate, on by default since Kubernetes 1.35) the controller deletes up to that many pods at once for an update, and starts on the next batch when the unavailable ones are available again. Without minReadySeconds (or with 0) a pod is available the moment it is Ready, so each batch goes down as soon as the previous one passes its readiness probe, before it has shown it stays healthy: a release that fails after a minute takes down batch after batch. Since the gate's beta the controller counts a pod unavailable until it has been Ready for minReadySeconds, which paces the batches. Only the pods a partition leaves to update count: with one of them, there is no batch.",
  fix: "Set spec.minReadySeconds to the time a new pod needs to prove it works (for a database: to rejoin its peers and catch up), for example 30; or lower updateStrategy.rollingUpdate.maxUnavailable to 1.",
  kinds: ["StatefulSet"],
  defaultAction: "warn",
  params: z.object({}),
  check({ object }) {
    const settings = rolloutSettings(object);
    if (settings.strategy !== "RollingUpdate" || settings.replicas < 2) return [];
    const batch = Math.min(settings.maxUnavailable, settings.replicas - settings.partition);
    if (batch < 2) return [];
    const minReadySeconds = object.spec?.minReadySeconds;
    if (typeof minReadySeconds === "number" && minReadySeconds !== 0) return [];
    const detail = `maxUnavailable lets the controller take ${batch} of the ${settings.replicas} pods down at a time, and each is available as soon as it is Ready, so the next batch goes down before this one has proven healthy; set minReadySeconds`;
    return [minReadySeconds === 0 ? invalid(path, 0, detail) : required(path, detail)];
  },
  cel: {
    variables: [
      { name: "rawReplicas", expression: "object.?spec.?replicas.orValue(1)" },
      { name: "replicas", expression: "type(variables.rawReplicas) == int && variables.rawReplicas >= 0 ? variables.rawReplicas : 1" },
      { name: "rawPartition", expression: "object.?spec.?updateStrategy.?rollingUpdate.?partition.orValue(0)" },
      { name: "partition", expression: "type(variables.rawPartition) == int && variables.rawPartition >= 0 ? variables.rawPartition : 0" },
      { name: "rawMaxUnavailable", expression: "object.?spec.?updateStrategy.?rollingUpdate.?maxUnavailable.orValue(1)" },
      {
        // resolveMaxUnavailable: a percentage of replicas rounded down, at least 1 (getStatefulSetMaxUnavailable).
        name: "maxUnavailable",
        expression:
          "type(variables.rawMaxUnavailable) == int ? variables.rawMaxUnavailable : type(variables.rawMaxUnavailable) == double ? int(variables.rawMaxUnavailable) : type(variables.rawMaxUnavailable) == string && variables.rawMaxUnavailable.matches('^0*[0-9]{1,9}%$') ? int(variables.rawMaxUnavailable.substring(0, size(variables.rawMaxUnavailable) - 1)) * variables.replicas / 100 : 1",
      },
      { name: "pending", expression: "variables.replicas - variables.partition" },
      { name: "batch", expression: "(variables.maxUnavailable < 1 ? 1 : variables.maxUnavailable) < variables.pending ? (variables.maxUnavailable < 1 ? 1 : variables.maxUnavailable) : variables.pending" },
    ],
    validations: () => [
      {
        expression:
          "object.?spec.?updateStrategy.?type.orValue('') == 'OnDelete' || variables.replicas < 2 || variables.batch < 2 || ((type(object.?spec.?minReadySeconds.orValue(null)) == int || type(object.?spec.?minReadySeconds.orValue(null)) == double) && object.spec.minReadySeconds != 0)",
        message:
          "'maxUnavailable lets the controller take ' + string(variables.batch) + ' of the ' + string(variables.replicas) + ' pods down at a time, and each is available as soon as it is Ready; set spec.minReadySeconds'",
      },
    ],
    cost: "about 40: field reads, one regular expression over maxUnavailable, no list",
  },
});
