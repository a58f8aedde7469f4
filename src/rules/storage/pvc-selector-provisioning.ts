import * as z from "zod";
import { forbidden } from "../../k8s/field.js";
import { defineRule, type RuleIssue } from "../../engine/types.js";
import { claimStorageClass, claimsOf } from "../../k8s/claims.js";
import { unchanged } from "./previous.js";
import { claimClassCel, claimCost, claimVariables, everyChangedClaim, failingClaimNames } from "./cel.js";

export const pvcSelectorProvisioning = defineRule({
  id: "pvc-selector-provisioning",
  summary: "A claim with spec.selector and a storage class is never dynamically provisioned.",
  rationale:
    "Provisioners refuse claims with a selector, so such a claim binds only to a pre-created PersistentVolume with " +
    "matching labels and class, and stays Pending when there is none. Fine on purpose, a surprise by accident.",
  fix:
    "For static binding, pre-create PersistentVolumes carrying the selector's labels and the same storageClassName. " +
    "For a provisioned volume, remove spec.selector.",
  kinds: ["StatefulSet", "PersistentVolumeClaim"],
  defaultAction: "warn",
  params: z.object({}),
  check(input) {
    const issues: RuleIssue[] = [];
    for (const at of claimsOf(input)) {
      const selector = at.claim.spec?.selector;
      const cls = claimStorageClass(at).name;
      // Provisioners refuse any non-null selector, even an empty one.
      if (!selector || !cls) continue;
      if (unchanged(input, at, (claim) => [claim.spec?.selector, claimStorageClass({ ...at, claim }).name])) continue;
      issues.push(
        forbidden(
          at.path.child("spec", "selector"),
          `provisioners refuse claims with a selector; it binds only to an existing PersistentVolume with these labels and class ${JSON.stringify(cls)}`,
        ),
      );
    }
    return issues;
  },
  cel: {
    variables: claimVariables,
    validations() {
      const read = (claim: "c" | "o") => `[${claim}.?spec.?selector.orValue(null), ${claimClassCel(claim)}]`;
      const ok = `!(c.?spec.?selector.hasValue() && ${claimClassCel("c")} != null && ${claimClassCel("c")} != '')`;
      return [
        {
          expression: everyChangedClaim(ok, read),
          message: `'provisioners refuse claims with a selector and a class; these bind only to an existing PersistentVolume with the selector\\'s labels: ' + ${failingClaimNames(ok, read)}`,
        },
      ];
    },
    cost: claimCost(15),
  },
});
