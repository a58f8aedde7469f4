import * as z from "zod";
import { forbidden } from "../../k8s/field.js";
import { defineRule } from "../../engine/types.js";
import { podTemplateOf } from "../../k8s/kinds.js";
import { apiServerEquality, semanticEqual } from "../../k8s/semantic.js";
import { podName, stuckRollout } from "../../k8s/rollout.js";

export const statefulSetStuckRollout = defineRule({
  id: "statefulset-stuck-rollout",
  summary:
    "A template change to a StatefulSet whose rollout is stuck (status: updateRevision ahead of currentRevision and fewer pods Ready than replicas, under OrderedReady) names the pod to delete.",
  rationale:
    "Under OrderedReady the controller waits for every pod to be Running and Ready before it deletes any for an update. A pod of the new revision that never becomes Ready (a bad image, a crash loop) stops the rollout, and applying a fixed template does not help: the controller keeps waiting for the broken pod and never replaces it (kubernetes/kubernetes#67250, open since 2018). kubectl rollout status keeps printing \"Waiting for 1 pods to be ready...\". The documented way out is to delete that pod by hand after applying the fix.",
  fix: "Apply the fixed template, then delete the pod the warning names (kubectl delete pod <name>-<ordinal>); the controller re-creates it from the new template. With action deny, a policy makes sure nobody applies a fix without knowing this.",
  kinds: ["StatefulSet"],
  operations: ["UPDATE"],
  defaultAction: "warn",
  examples: [
    {
      title: "A fixed image for a rollout stuck on web-2 (kubernetes/kubernetes#67250)",
      before:
        "spec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n        - name: nginx\n          image: nginx:1.27.9-typo\nstatus:\n  observedGeneration: 2\n  replicas: 3\n  readyReplicas: 2\n  currentReplicas: 2\n  updatedReplicas: 1\n  availableReplicas: 2\n  currentRevision: web-5d8f7b9c6d\n  updateRevision: web-7c9d6f5b8a\n",
      after: "spec:\n  template:\n    spec:\n      containers:\n        - name: nginx\n          image: nginx:1.27.3\n",
      says: "spec.template: Forbidden: rollout stuck on web-2 (2 of 3 Ready): OrderedReady waits for it, so this template never replaces it (kubernetes/kubernetes#67250); after applying, kubectl delete pod web-2 -n default",
    },
  ],
  params: z.object({}),
  check({ kind, object, oldObject, namespace }) {
    if (!oldObject) return [];
    const template = podTemplateOf(kind, object);
    if (semanticEqual(template.template, podTemplateOf(kind, oldObject).template, apiServerEquality)) return [];
    const stuck = stuckRollout(oldObject);
    if (!stuck) return [];
    const pod = podName(oldObject.metadata?.name ?? "", stuck.ordinal);
    return [
      forbidden(
        template.path,
        `rollout stuck on ${pod} (${stuck.readyReplicas} of ${stuck.replicas} Ready): OrderedReady waits for it, so this template never replaces it (kubernetes/kubernetes#67250); after applying, kubectl delete pod ${pod} -n ${namespace}`,
      ),
    ];
  },
  cel: { notExported: "an impact warning from the live object's status: it names the pod to delete by hand, which is the webhook's to tell" },
});
