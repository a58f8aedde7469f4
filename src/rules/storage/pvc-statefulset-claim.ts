import * as z from "zod";
import type { ClaimTemplateRecord, StatefulSetRecord } from "../../cluster/view.js";
import { invalid } from "../../k8s/field.js";
import { defineRule, type RuleIssue } from "../../engine/types.js";
import { type ClaimAt, claimStorageClass, claimsOf } from "../../k8s/claims.js";
import { parseQuantity } from "../../k8s/quantity.js";

const ordinalPattern = /^(0|[1-9][0-9]*)$/;

interface Candidate {
  template: string;
  statefulSet: string;
  ordinal: string;
}

/**
 * Every way to read `name` as `<template>-<statefulset>-<ordinal>`. Both names may contain dashes, so each dash of
 * the prefix is a possible split; the cluster view tells which StatefulSet really exists.
 */
export function claimNameCandidates(name: string): Candidate[] {
  const last = name.lastIndexOf("-");
  const ordinal = name.slice(last + 1);
  if (last < 0 || !ordinalPattern.test(ordinal)) return [];
  const prefix = name.slice(0, last);
  const candidates: Candidate[] = [];
  for (let i = prefix.indexOf("-"); i >= 0; i = prefix.indexOf("-", i + 1)) {
    const template = prefix.slice(0, i);
    const statefulSet = prefix.slice(i + 1);
    if (template && statefulSet) candidates.push({ template, statefulSet, ordinal });
  }
  return candidates;
}

const sameModes = (a: readonly string[], b: readonly string[]) =>
  JSON.stringify([...new Set(a)].sort()) === JSON.stringify([...new Set(b)].sort());

function differences(at: ClaimAt, statefulSet: StatefulSetRecord, template: ClaimTemplateRecord, ordinal: string): RuleIssue[] {
  const origin = `volumeClaimTemplate ${JSON.stringify(template.name)} of StatefulSet ${JSON.stringify(statefulSet.name)}`;
  const adopted = `pod ${statefulSet.name}-${ordinal} adopts this claim as is`;
  const issues: RuleIssue[] = [];

  // A template without a class gets the default class, which this claim may well carry already.
  const cls = claimStorageClass(at);
  if (template.storageClassName !== null && cls.name !== template.storageClassName) {
    issues.push(invalid(cls.path, cls.name ?? null, `differs from ${JSON.stringify(template.storageClassName)} in ${origin}; ${adopted}`));
  }

  const modes = at.claim.spec?.accessModes ?? [];
  if (template.accessModes.length > 0 && !sameModes(modes, template.accessModes)) {
    issues.push(
      invalid(at.path.child("spec", "accessModes"), modes, `differs from ${JSON.stringify(template.accessModes)} in ${origin}; ${adopted}`),
    );
  }

  const storage = at.claim.spec?.resources?.requests?.storage;
  const size = storage === undefined ? undefined : parseQuantity(storage);
  const wanted = template.storage === null ? undefined : parseQuantity(template.storage);
  if (size !== undefined && wanted !== undefined && size !== wanted) {
    const path = at.path.child("spec", "resources", "requests", "storage");
    const expected = JSON.stringify(template.storage);
    issues.push(
      size < wanted
        ? invalid(path, storage, `smaller than ${expected} in ${origin}; ${adopted}`)
        : invalid(path, storage, `larger than ${expected} in ${origin}; new replicas get ${template.storage} until the template changes`),
    );
  }
  return issues;
}

export const pvcStatefulSetClaim = defineRule({
  id: "pvc-statefulset-claim",
  summary: "A PVC named <template>-<statefulset>-<ordinal> matches the class, access modes and size of that claim template.",
  rationale:
    "The StatefulSet controller adopts an existing PVC with the name it would have created, whatever its spec, so a " +
    "pre-created claim that differs from the template gives one pod different storage than its peers.",
  fix:
    "Give the PVC the template's storageClassName, accessModes and storage request, or change the template " +
    "(recreate the StatefulSet with kubectl delete --cascade=orphan) so all replicas agree.",
  kinds: ["PersistentVolumeClaim"],
  defaultAction: "warn",
  params: z.object({}),
  async check(input) {
    const name = input.object.metadata?.name;
    if (!name) return [];
    const [at] = claimsOf(input);
    const candidates = claimNameCandidates(name);
    const lookups = await Promise.all(candidates.map((c) => input.cluster.get("StatefulSet", input.namespace, c.statefulSet)));
    const issues: RuleIssue[] = [];
    lookups.forEach((lookup, i) => {
      // Unknown lookups stay silent: most PVCs belong to no StatefulSet, and a warning on each would be noise.
      if (lookup.state !== "found") return;
      const candidate = candidates[i]!;
      const template = lookup.value.claimTemplates.find((t) => t.name === candidate.template);
      if (template) issues.push(...differences(at!, lookup.value, template, candidate.ordinal));
    });
    return issues;
  },
  cel: { notExported: "it looks up the StatefulSet whose claim template the PVC is named after" },
});
