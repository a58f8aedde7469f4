import * as z from "zod";
import { FieldPath, invalid } from "../../k8s/field.js";
import { celString } from "../../engine/cel.js";
import { defineRule, type RuleIssue } from "../../engine/types.js";

const policyPath = FieldPath.root("spec", "persistentVolumeClaimRetentionPolicy");

const consequences = {
  whenDeleted: "deleting the StatefulSet deletes all its PVCs and their data",
  whenScaled: "scaling down deletes the removed pods' PVCs and their data",
} as const;

export const statefulSetRetentionPolicy = defineRule({
  id: "statefulset-retention-policy",
  summary: "persistentVolumeClaimRetentionPolicy.whenDeleted or whenScaled set to Delete warns that PVC data will be deleted.",
  rationale:
    "With Delete, the controller deletes the PVCs of a deleted StatefulSet (whenDeleted) or of the pods removed by scaling down (whenScaled); with a reclaimPolicy of Delete, the volumes and their data go too. That is right for caches and scratch data, and a data loss for anything else.",
  fix: "Set whenDeleted and whenScaled to Retain (the default) unless the data is disposable; with Retain, delete unused PVCs yourself.",
  kinds: ["StatefulSet"],
  defaultAction: "warn",
  params: z.object({}),
  check({ object }) {
    const policy = object.spec?.persistentVolumeClaimRetentionPolicy;
    const issues: RuleIssue[] = [];
    for (const field of ["whenDeleted", "whenScaled"] as const) {
      if (policy?.[field] !== "Delete") continue;
      issues.push(invalid(policyPath.child(field), "Delete", `${consequences[field]}; use Retain unless the data is disposable`));
    }
    return issues;
  },
  cel: {
    validations: () =>
      (["whenDeleted", "whenScaled"] as const).map((field) => ({
        expression: `object.?spec.?persistentVolumeClaimRetentionPolicy.?${field}.orValue('Retain') != 'Delete'`,
        message: celString(`spec.persistentVolumeClaimRetentionPolicy.${field} is Delete: ${consequences[field]}; use Retain unless the data is disposable`),
      })),
    cost: "about 10: two field reads, no list",
  },
});
