import * as z from "zod";
import { FieldPath, invalid, required } from "../../k8s/field.js";
import { defineRule, type RuleIssue } from "../../engine/types.js";
import { podTemplateOf } from "../../k8s/kinds.js";
import { selectorIsEmpty, selectorMatches } from "../../k8s/selector.js";
import { validateLabelSelector } from "../../k8s/validation/meta.js";
import { labelKey, labelValue, selectorMatchesCel } from "./cel.js";

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
  cel: {
    variables: [
      { name: "selector", expression: "object.?spec.?selector.orValue(null)" },
      { name: "labels", expression: "object.?spec.?template.?metadata.?labels.orValue({})" },
    ],
    validations() {
      const matchLabels = "variables.selector.?matchLabels.orValue({})";
      const expressions = "variables.selector.?matchExpressions.orValue([])";
      const nonEmpty = `(${matchLabels}.size() > 0 || ${expressions}.size() > 0)`;
      // A selector the API server would refuse selects nothing it could compute: statefulset-api-validation says why.
      const valid = `(${matchLabels}.all(k, ${labelKey("k")} && ${labelValue(`${matchLabels}[k]`)}) && ${expressions}.all(e, ${labelKey("e.key")} && e.?values.orValue([]).all(v, ${labelValue("v")}) && (e.operator in ['In', 'NotIn'] ? e.?values.orValue([]).size() > 0 : e.operator in ['Exists', 'DoesNotExist'] && e.?values.orValue([]).size() == 0)))`;
      const matches = selectorMatchesCel("variables.selector", "variables.labels");
      return [
        { expression: "variables.selector != null", message: "'spec.selector is required: a StatefulSet must select its pods; set matchLabels to the template\\'s labels'" },
        { expression: `variables.selector == null || ${nonEmpty}`, message: "'an empty spec.selector is invalid for a StatefulSet; set matchLabels to the template\\'s labels'" },
        {
          expression: `variables.selector == null || !${nonEmpty} || !${valid} || ${matches}`,
          message: "'spec.selector does not match the template\\'s labels; give the template every label the selector requires'",
        },
      ];
    },
    cost: "about 30 per selector term and template label, with a regular expression per key and value (at most 317 characters each); 10 terms over 20 labels: about 2,000",
  },
});
