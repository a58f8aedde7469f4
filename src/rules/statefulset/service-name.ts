import * as z from "zod";
import { FieldPath, invalid, required } from "../../k8s/field.js";
import { advisory, defineRule, type RuleIssue } from "../../engine/types.js";
import { dns1123LabelErrors } from "../../k8s/names.js";
import type { StatefulSet } from "../../k8s/objects.js";
import { newOnUpdate } from "./preexisting.js";
import { dns1123Label, newOnUpdateCel } from "./cel.js";

export const serviceNamePath = FieldPath.root("spec", "serviceName");

/** The serviceName a rule may look up: set, and a DNS-1123 label (else the pods' subdomain is broken anyway). */
export function usableServiceName(statefulSet: StatefulSet): string | undefined {
  const name = statefulSet.spec?.serviceName;
  return name && dns1123LabelErrors(name).length === 0 ? name : undefined;
}

function check(statefulSet: StatefulSet): RuleIssue[] {
  const name = statefulSet.spec?.serviceName;
  if (!name) {
    // The API marks it optional, and it is right for run-exactly-once workloads: at most a warning.
    return [
      advisory(
        required(
          serviceNamePath,
          "without it pods get no stable DNS names such as <pod>.<service>; set it to a headless Service that selects the pods",
        ),
      ),
    ];
  }
  const errors = dns1123LabelErrors(name);
  if (errors.length === 0) return [];
  return [
    invalid(
      serviceNamePath,
      name,
      `${errors.join("; ")}; the controller copies it into each pod's spec.subdomain and cannot create the pods`,
    ),
  ];
}

export const statefulSetServiceName = defineRule({
  id: "statefulset-service-name",
  summary: "spec.serviceName, when set, is a DNS-1123 label; when unset, a warning says the pods get no stable DNS names.",
  rationale:
    "The controller copies serviceName into every pod's spec.subdomain; a value that is not a DNS-1123 label makes every pod creation fail, and the StatefulSet is stuck. Without serviceName the pods get no per-pod DNS names such as web-0.<service>, which peers of a stateful application usually rely on (leaving it unset is right only for run-exactly-once workloads).",
  fix: "Set spec.serviceName to the name of a headless Service (clusterIP: None) in the same namespace that selects the pods: lowercase letters, digits and '-', at most 63 characters. serviceName is immutable: re-create the StatefulSet with kubectl delete statefulset <name> --cascade=orphan.",
  kinds: ["StatefulSet"],
  defaultAction: "deny",
  params: z.object({}),
  check: (input) => newOnUpdate(input, check),
  cel: {
    variables: [{ name: "serviceName", expression: "object.?spec.?serviceName.orValue('')" }],
    validations() {
      const invalidName = (o: string) => `(${o}.?spec.?serviceName.orValue('') != '' && !${dns1123Label(`${o}.spec.serviceName`)})`;
      const invalid = newOnUpdateCel(invalidName, (o) => `${o}.spec.serviceName`);
      const message = "'spec.serviceName ' + variables.serviceName + ' is not a DNS-1123 label; the controller copies it into each pod\\'s spec.subdomain and cannot create the pods'";
      return [
        { expression: invalid.strict, message },
        { expression: invalid.advice, message: `${message} + ' (it was so before this update)'`, advisory: true },
        {
          expression: "variables.serviceName != ''",
          message: "'spec.serviceName is not set: pods get no stable DNS names such as <pod>.<service>; set it to a headless Service that selects the pods'",
          advisory: true,
        },
      ];
    },
    webhookOnly: "nothing for the name itself; statefulset-headless-service looks the Service up",
    cost: "about 40: one regular expression over a name of at most 253 characters, twice on UPDATE",
  },
});
