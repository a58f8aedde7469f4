import * as z from "zod";
import type { FieldPath } from "../k8s/field.js";
import { defineDefault } from "../engine/types.js";
import { claimsOf } from "../k8s/claims.js";
import { podTemplateOf } from "../k8s/kinds.js";
import { labelKeyErrors, labelValueErrors } from "../k8s/labels.js";
import type { ObjectMeta } from "../k8s/objects.js";
import type { Change } from "../engine/change.js";
import { set } from "./change.js";

/** The labels `metadata` lacks, added at `at`; a label the object already has keeps its value. */
function missingLabels(metadata: ObjectMeta | undefined | null, labels: Record<string, string>, at: FieldPath): Change[] {
  const present = metadata?.labels;
  return Object.entries(labels)
    .filter(([key]) => present == null || !Object.hasOwn(present, key))
    .map(([key, value]) => set(at.key(key), value));
}

export const defaultLabels = defineDefault({
  id: "default-labels",
  summary: "Adds the configured labels to a StatefulSet's pod template and volumeClaimTemplates where they are missing.",
  kinds: ["StatefulSet"],
  // Claim templates cannot change after creation, and a new pod-template label on UPDATE would roll every pod of a
  // running StatefulSet the first time a policy adds the label: labels come on CREATE only.
  operations: ["CREATE"],
  // Switched on, but it does nothing until a policy lists labels.
  enabledByDefault: true,
  params: z.object({
    labels: z
      .record(z.string(), z.string())
      .superRefine((labels, ctx) => {
        // The API server would reject the object with such a label: say so when the policy loads.
        for (const [key, value] of Object.entries(labels)) {
          for (const message of labelKeyErrors(key)) ctx.addIssue({ code: "custom", message: `label key ${JSON.stringify(key)}: ${message}` });
          for (const message of labelValueErrors(value)) ctx.addIssue({ code: "custom", message: `label value ${JSON.stringify(value)}: ${message}` });
        }
      })
      .default({}),
  }),
  apply({ kind, object, params }) {
    if (!object.spec || Object.keys(params.labels).length === 0) return [];
    const changes: Change[] = [];
    const pod = podTemplateOf(kind, object);
    if (pod.template) changes.push(...missingLabels(pod.template.metadata, params.labels, pod.path.child("metadata", "labels")));
    for (const { claim, path } of claimsOf({ kind, object })) {
      if (!claim) continue;
      changes.push(...missingLabels(claim.metadata, params.labels, path.child("metadata", "labels")));
    }
    return changes;
  },
});
