import * as z from "zod";
import { duplicate, FieldPath, invalid, required } from "../../k8s/field.js";
import { defineRule, type RuleIssue } from "../../engine/types.js";
import { dns1123LabelErrors, dns1123SubdomainErrors } from "../../k8s/names.js";
import type { StatefulSet } from "../../k8s/objects.js";
import { ordinalRange } from "../../k8s/ordinals.js";
import { newOnUpdate } from "./preexisting.js";
import { dns1123Label, dns1123Subdomain, lastOrdinal } from "./cel.js";

function check(statefulSet: StatefulSet): RuleIssue[] {
  const statefulSetName = statefulSet.metadata?.name;
  const { last } = ordinalRange(statefulSet);
  const issues: RuleIssue[] = [];
  const seen = new Set<string>();
  (statefulSet.spec?.volumeClaimTemplates ?? []).forEach((template, i) => {
    const path = FieldPath.root("spec", "volumeClaimTemplates").index(i).child("metadata", "name");
    const name = template.metadata?.name;
    if (!name) {
      issues.push(required(path, "pods mount a claim template by name and its PVCs are named <template>-<statefulset>-<ordinal>"));
      return;
    }
    if (seen.has(name)) {
      issues.push(duplicate(path, name, "both templates would claim the same PVCs; give each template its own name"));
      return;
    }
    seen.add(name);
    const labelErrors = dns1123LabelErrors(name);
    if (labelErrors.length > 0) {
      issues.push(invalid(path, name, `${labelErrors.join("; ")}; it names a pod volume and every PVC of this template`));
      return;
    }
    if (!statefulSetName) return;
    const claimName = `${name}-${statefulSetName}-${last}`;
    const claimErrors = dns1123SubdomainErrors(claimName);
    if (claimErrors.length > 0) {
      issues.push(
        invalid(path, name, `PVC name "${claimName}" ${claimErrors.join("; ")}; the controller cannot create it, shorten the name`),
      );
    }
  });
  return issues;
}

export const statefulSetClaimTemplateName = defineRule({
  id: "statefulset-claim-template-name",
  summary:
    "Every volumeClaimTemplate name is a DNS-1123 label, unique, and every PVC name <template>-<statefulset>-<ordinal> is a valid object name.",
  rationale:
    "Pod web-0 binds to the PVC www-web-0, named <template>-<statefulset>-<ordinal>. The template name is also the pod volume's name, which must be a DNS-1123 label, and a PVC name that is not a valid object name cannot be created, so the pod never starts.",
  fix: "Name each claim template with lowercase letters, digits and '-' (at most 63), distinct from the others. Claim templates are immutable: re-create the StatefulSet with kubectl delete statefulset <name> --cascade=orphan.",
  kinds: ["StatefulSet"],
  defaultAction: "deny",
  params: z.object({}),
  check: (input) => newOnUpdate(input, check),
  cel: {
    variables: [
      { name: "templates", expression: "object.?spec.?volumeClaimTemplates.orValue([])" },
      { name: "oldTemplates", expression: "oldObject == null ? [] : oldObject.?spec.?volumeClaimTemplates.orValue([])" },
    ],
    validations() {
      // What is wrong with template t of the StatefulSet o (whose templates are `all`), as one comparable text; '' when
      // nothing is. On UPDATE a finding the old object had already (the same text) only warns, as newOnUpdate does.
      const problem = (o: string, all: string) => {
        const name = "t.?metadata.?name.orValue('')";
        const claim = `${name} + '-' + ${o}.?metadata.?name.orValue('') + '-' + string(${lastOrdinal(o)})`;
        return `(${name} == '' ? 'required' : ${all}.filter(x, x.?metadata.?name.orValue('') == ${name}).size() > 1 ? 'duplicate ' + ${name} : !${dns1123Label(name)} ? 'invalid ' + ${name} : ${o}.?metadata.?name.orValue('') != '' && !${dns1123Subdomain(claim)} ? 'claim ' + ${claim} : '')`;
      };
      const current = problem("object", "variables.templates");
      const hadIt = `(request.operation == 'UPDATE' && oldObject != null && variables.oldTemplates.exists(t, ${problem("oldObject", "variables.oldTemplates")} == p))`;
      const failing = (keep: string) => `variables.templates.map(t, ${current}).filter(p, p != '' && ${keep}).join(', ')`;
      return [
        {
          expression: `variables.templates.map(t, ${current}).all(p, p == '' || ${hadIt})`,
          message: `'claim template names must be DNS-1123 labels, unique, and make valid PVC names <template>-<statefulset>-<ordinal>: ' + ${failing(`!${hadIt}`)}`,
        },
        {
          expression: `variables.templates.map(t, ${current}).all(p, p == '' || !${hadIt})`,
          message: `'claim template names must be DNS-1123 labels, unique, and make valid PVC names (so before this update): ' + ${failing(hadIt)}`,
          advisory: true,
        },
      ];
    },
    cost: "about 20 per template times the templates (the duplicate check), twice on UPDATE; 10 templates: about 4,000",
  },
});
