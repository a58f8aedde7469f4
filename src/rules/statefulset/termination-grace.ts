import * as z from "zod";
import { invalid, required } from "../../k8s/field.js";
import { defineRule } from "../../engine/types.js";
import { podTemplateOf } from "../../k8s/kinds.js";

/** What the API server sets when the field is left out. */
const builtinGraceSeconds = 30;

export const statefulSetTerminationGrace = defineRule({
  id: "statefulset-termination-grace",
  summary: "spec.template.spec.terminationGracePeriodSeconds lies within the configured bounds (default: at least 1).",
  rationale:
    "A stateful pod stopped with a grace period of 0 is killed at once, with no chance to flush writes, leave its cluster or release locks. An overly long period holds up rolling updates and node drains. Unset means the built-in 30 seconds, judged as such.",
  fix: "Set spec.template.spec.terminationGracePeriodSeconds to the time the application needs to shut down cleanly, within the policy's bounds.",
  kinds: ["StatefulSet"],
  defaultAction: "warn",
  params: z.object({
    min: z.number().int().min(0).default(1).describe("Fewest seconds allowed; unset in the pod template counts as 30."),
    max: z.number().int().min(0).optional().describe("Most seconds allowed; no upper bound when unset."),
  }),
  check({ kind, object, params }) {
    const pod = podTemplateOf(kind, object);
    const path = pod.path.child("spec", "terminationGracePeriodSeconds");
    const set = pod.template?.spec?.terminationGracePeriodSeconds;
    const seconds = set ?? builtinGraceSeconds;
    let bound: string | undefined;
    if (seconds < params.min) {
      bound = `must be at least ${params.min}, so that each pod can shut down cleanly before it is killed; raise it`;
    } else if (params.max !== undefined && seconds > params.max) {
      bound = `must be at most ${params.max}, so that rollouts and node drains do not wait on it; lower it`;
    }
    if (!bound) return [];
    if (set === undefined || set === null) return [required(path, `unset means ${builtinGraceSeconds} seconds, which ${bound}`)];
    return [invalid(path, set, bound)];
  },
  cel: {
    variables: [
      { name: "graceSeconds", expression: `object.?spec.?template.?spec.?terminationGracePeriodSeconds.orValue(${builtinGraceSeconds})` },
    ],
    validations: ({ min, max }) => [
      {
        expression: `variables.graceSeconds >= ${min}`,
        message: `'spec.template.spec.terminationGracePeriodSeconds (' + string(variables.graceSeconds) + ', ${builtinGraceSeconds} when unset) must be at least ${min}, so that each pod can shut down cleanly before it is killed'`,
      },
      ...(max === undefined
        ? []
        : [
            {
              expression: `variables.graceSeconds <= ${max}`,
              message: `'spec.template.spec.terminationGracePeriodSeconds (' + string(variables.graceSeconds) + ', ${builtinGraceSeconds} when unset) must be at most ${max}, so that rollouts and node drains do not wait on it'`,
            },
          ]),
    ],
    cost: "about 5: one field read and a comparison",
  },
});
