import * as z from "zod";
import { required } from "../../k8s/field.js";
import { defineRule, type RuleIssue } from "../../engine/types.js";
import { podTemplateOf } from "../../k8s/kinds.js";

export const statefulSetReadinessProbe = defineRule({
  id: "statefulset-readiness-probe",
  summary: "With podManagementPolicy OrderedReady (the default), every container has a readinessProbe.",
  rationale:
    "OrderedReady starts pod N+1 only once pod N is Ready, and rolling updates move on once the updated pod is Ready. A container without a readinessProbe is Ready as soon as it starts, so the next pod starts (or is replaced) before this one can serve, and a broken rollout proceeds across the whole set.",
  fix: "Add a readinessProbe to each container that checks the application can serve (for a database: accepts connections and has joined its peers). Init containers are not concerned.",
  kinds: ["StatefulSet"],
  defaultAction: "warn",
  params: z.object({}),
  check({ kind, object }) {
    const policy = object.spec?.podManagementPolicy;
    if (policy && policy !== "OrderedReady") return [];
    const issues: RuleIssue[] = [];
    // The detail does not name the container: the path does, and the webhook's warning groups the containers alike
    // into one line that names them all.
    const pod = podTemplateOf(kind, object);
    (pod.template?.spec?.containers ?? []).forEach((container, i) => {
      if (container.readinessProbe) return;
      issues.push(
        required(
          pod.path.child("spec", "containers").index(i).child("readinessProbe"),
          "the container is Ready once started, so ordered start and rollouts do not wait for it",
        ),
      );
    });
    return issues;
  },
  cel: {
    variables: [
      { name: "orderedReady", expression: "object.?spec.?podManagementPolicy.orValue('') in ['', 'OrderedReady']" },
      { name: "containers", expression: "object.?spec.?template.?spec.?containers.orValue([])" },
    ],
    validations: () => [
      {
        expression: "!variables.orderedReady || variables.containers.all(c, has(c.readinessProbe))",
        message:
          "'containers without a readinessProbe are Ready once started, so ordered start and rollouts do not wait for them: ' + variables.containers.filter(c, !has(c.readinessProbe)).map(c, c.?name.orValue('<unnamed>')).join(', ')",
      },
    ],
    cost: "about 5 per container (twice when the message is built); a pod of 10 containers: about 100",
  },
});
