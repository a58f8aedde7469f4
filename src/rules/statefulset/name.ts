import * as z from "zod";
import { FieldPath, invalid } from "../../k8s/field.js";
import { defineRule, type RuleIssue } from "../../engine/types.js";
import { dns1123LabelErrors, dns1123LabelMaxLength } from "../../k8s/names.js";
import type { StatefulSet } from "../../k8s/objects.js";
import { ordinalRange } from "../../k8s/ordinals.js";
import { newOnUpdate } from "./preexisting.js";
import { lastOrdinal, newOnUpdateCel } from "./cel.js";

/** The controller labels pods `controller-revision-hash: <name>-<hash>`; the hash has up to 10 characters. */
const revisionHashLength = 10;
export const maxStatefulSetNameLength = dns1123LabelMaxLength - 1 - revisionHashLength;

function check(statefulSet: StatefulSet): RuleIssue[] {
  const name = statefulSet.metadata?.name;
  // A nameless object is the API server's to reject (or to name from generateName before validating webhooks run).
  if (!name) return [];
  const path = FieldPath.root("metadata", "name");
  const labelErrors = dns1123LabelErrors(name).filter((e) => !e.startsWith("must be no more than"));
  if (labelErrors.length > 0) {
    return [invalid(path, name, `${labelErrors.join("; ")}; pods are named <name>-<ordinal> and need valid hostnames`)];
  }
  if (name.length > maxStatefulSetNameLength) {
    return [
      invalid(
        path,
        name,
        `must be no more than ${maxStatefulSetNameLength} characters: pods get the label controller-revision-hash=<name>-<10-char hash>, limited to 63; choose a shorter name`,
      ),
    ];
  }
  const { last } = ordinalRange(statefulSet);
  const podName = `${name}-${last}`;
  if (podName.length > dns1123LabelMaxLength) {
    const field = statefulSet.spec?.ordinals?.start ? FieldPath.root("spec", "ordinals", "start") : FieldPath.root("spec", "replicas");
    const value = statefulSet.spec?.ordinals?.start ? statefulSet.spec.ordinals.start : statefulSet.spec?.replicas;
    return [
      invalid(
        field,
        value,
        `pod name "${podName}" would be ${podName.length} characters, more than the ${dns1123LabelMaxLength} a hostname allows; lower the ordinals or shorten the name`,
      ),
    ];
  }
  return [];
}

export const statefulSetName = defineRule({
  id: "statefulset-name",
  summary: "metadata.name is a DNS-1123 label of at most 52 characters, and every pod name <name>-<ordinal> is a valid hostname.",
  rationale:
    "The API server accepts names up to 63 characters, but the StatefulSet controller labels each pod controller-revision-hash=<name>-<10-char hash>, and a label value longer than 63 characters makes it fail to create any pod. Pod names <name>-<ordinal> become hostnames, which must be DNS-1123 labels for every ordinal from spec.ordinals.start up to start+replicas-1.",
  fix: "Choose a name of at most 52 lowercase letters, digits and '-'. The name is immutable: delete the StatefulSet with --cascade=orphan and re-create it under the new name (its PVCs are named after it, so copy the data).",
  kinds: ["StatefulSet"],
  defaultAction: "deny",
  params: z.object({}),
  check: (input) => newOnUpdate(input, check),
  cel: {
    validations() {
      const name = (o: string) => `${o}.?metadata.?name.orValue('')`;
      const labelOk = (o: string) => `${name(o)}.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')`;
      const nameFails = (o: string) => `(${name(o)} != '' && (!${labelOk(o)} || size(${name(o)}) > ${maxStatefulSetNameLength}))`;
      const podNameFails = (o: string) =>
        `(${name(o)} != '' && ${labelOk(o)} && size(${name(o)}) <= ${maxStatefulSetNameLength} && size(${name(o)}) + 1 + size(string(${lastOrdinal(o)})) > ${dns1123LabelMaxLength})`;
      // The pod-name finding names the field it blames (ordinals.start when set, else replicas) and its value.
      const podNameKey = (o: string) =>
        `[${name(o)}, string(${lastOrdinal(o)}), ${o}.?spec.?ordinals.?start.orValue(0) != 0 ? 'start ' + string(${o}.spec.ordinals.start) : 'replicas ' + string(${o}.?spec.?replicas.orValue(''))]`;
      const byName = newOnUpdateCel(nameFails, name);
      const byPodName = newOnUpdateCel(podNameFails, podNameKey);
      const nameMessage = `'metadata.name ' + object.metadata.name + ' must be a DNS-1123 label of at most ${maxStatefulSetNameLength} characters: pods get the label controller-revision-hash=<name>-<10-char hash>, limited to 63'`;
      const podMessage = `'pod name ' + object.metadata.name + '-' + string(${lastOrdinal("object")}) + ' would be longer than the ${dns1123LabelMaxLength} characters a hostname allows; lower the ordinals or shorten the name'`;
      return [
        { expression: byName.strict, message: nameMessage },
        { expression: byName.advice, message: `${nameMessage} + ' (the name was so before this update)'`, advisory: true },
        { expression: byPodName.strict, message: podMessage },
        { expression: byPodName.advice, message: `${podMessage} + ' (it was so before this update)'`, advisory: true },
      ];
    },
    cost: "about 60: a few string sizes and one regular expression over the name (at most 253 characters), twice on UPDATE",
  },
});
