import * as z from "zod";
import { duplicate, FieldPath, invalid, required } from "../../k8s/field.js";
import { defineRule, type RuleIssue } from "../../engine/types.js";
import { dns1123LabelErrors, dns1123SubdomainErrors } from "../../k8s/names.js";
import type { StatefulSet } from "../../k8s/objects.js";
import { ordinalRange } from "../../k8s/ordinals.js";
import { newOnUpdate } from "./preexisting.js";

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
});
