import * as z from "zod";
import { stepsOf } from "../engine/change.js";
import { defineDefault } from "../engine/types.js";
import { podTemplateOf } from "../k8s/kinds.js";
import { set } from "./change.js";

/** The API server's own default for pod.spec.terminationGracePeriodSeconds. */
const builtinGraceSeconds = 30;

export const defaultTerminationGrace = defineDefault({
  id: "default-termination-grace",
  summary: "Sets spec.template.spec.terminationGracePeriodSeconds of a StatefulSet to the configured value.",
  kinds: ["StatefulSet"],
  // A pod-template field: mutable, so an UPDATE keeps it in line with the policy.
  operations: ["CREATE", "UPDATE"],
  enabledByDefault: true,
  params: z.object({ seconds: z.number().int().min(0).max(86_400).default(builtinGraceSeconds) }),
  apply({ kind, object, params, provenance }) {
    const pod = podTemplateOf(kind, object);
    const podSpec = pod.template?.spec;
    if (!podSpec || podSpec.terminationGracePeriodSeconds === params.seconds) return [];
    const path = pod.path.child("spec", "terminationGracePeriodSeconds");
    // A pod template's path has names only, no list index.
    if (provenance.userSet(stepsOf(path).map(String), builtinGraceSeconds)) return [];
    return [set(path, params.seconds)];
  },
});
