import * as z from "zod";
import { FieldPath } from "../k8s/field.js";
import { defineDefault } from "../engine/types.js";
import { setTo } from "./change.js";

/** The API server's own default for pod.spec.terminationGracePeriodSeconds. */
const builtinGraceSeconds = 30;
const path = ["spec", "template", "spec", "terminationGracePeriodSeconds"] as const;

export const defaultTerminationGrace = defineDefault({
  id: "default-termination-grace",
  summary: "Sets spec.template.spec.terminationGracePeriodSeconds of a StatefulSet to the configured value.",
  kinds: ["StatefulSet"],
  // A pod-template field: mutable, so an UPDATE keeps it in line with the policy.
  operations: ["CREATE", "UPDATE"],
  enabledByDefault: true,
  params: z.object({ seconds: z.number().int().min(0).max(86_400).default(builtinGraceSeconds) }),
  apply({ object, params, provenance }) {
    const podSpec = object.spec?.template?.spec;
    if (!podSpec || podSpec.terminationGracePeriodSeconds === params.seconds) return [];
    if (provenance.userSet(path, builtinGraceSeconds)) return [];
    podSpec.terminationGracePeriodSeconds = params.seconds;
    return [setTo(FieldPath.root(...path), params.seconds)];
  },
});
