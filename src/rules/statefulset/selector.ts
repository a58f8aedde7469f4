import * as z from "zod";
import { FieldPath, invalid, required } from "../../k8s/field.js";
import { defineRule, type RuleIssue } from "../../engine/types.js";
import { podTemplateOf } from "../../k8s/kinds.js";
import { selectorIsEmpty, selectorMatches } from "../../k8s/selector.js";
import { validateLabelSelector } from "../../k8s/validation/meta.js";

export const statefulSetSelector = defineRule({
  id: "statefulset-selector",
  summary: "spec.selector is set and selects the pod template's labels.",
  rationale:
    "The API server rejects a StatefulSet whose selector does not match its template, and a selector that matches nothing would adopt no pods.",
  fix: "Set spec.selector.matchLabels to labels that spec.template.metadata.labels also carries, for example app: <name>.",
  kinds: ["StatefulSet"],
  defaultAction: "deny",
  params: z.object({}),
  check({ kind, object }) {
    const selector = object.spec?.selector;
    const path = FieldPath.root("spec", "selector");
    if (!selector) return [required(path, "a StatefulSet must select its pods; set matchLabels to the template's labels")];
    if (selectorIsEmpty(selector)) {
      return [invalid(path, selector, "empty selector is invalid for StatefulSet; set matchLabels to the template's labels")];
    }
    // A selector that is not valid matches nothing the API server could compute; statefulset-api-validation says why.
    if (validateLabelSelector(selector, path).length > 0) return [];
    const pod = podTemplateOf(kind, object);
    const labels = pod.template?.metadata?.labels;
    const issues: RuleIssue[] = [];
    if (!selectorMatches(selector, labels)) {
      issues.push(
        invalid(
          pod.path.child("metadata", "labels"),
          labels ?? {},
          "`selector` does not match template `labels`; give the template every label the selector requires",
        ),
      );
    }
    return issues;
  },
});
