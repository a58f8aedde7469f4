import * as z from "zod";
import { forbidden, notSupported, required } from "../../k8s/field.js";
import { defineRule, type RuleIssue } from "../../engine/types.js";
import { claimsOf } from "../../k8s/claims.js";
import { celString, celStrings } from "../../engine/cel.js";
import { claimCost, claimVariables, everyChangedClaim, failingClaimNames } from "./cel.js";
import { unchanged } from "./previous.js";

const accessModes = ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"] as const;
type AccessMode = (typeof accessModes)[number];
const isAccessMode = (mode: string): mode is AccessMode => (accessModes as readonly string[]).includes(mode);

const params = z.object({
  allowed: z
    .array(z.enum(accessModes))
    .min(1)
    .default([...accessModes])
    .describe("Access modes a claim may ask for."),
});

export const storageAccessModes = defineRule({
  id: "storage-access-modes",
  summary: "accessModes is non-empty and holds only known access modes that the policy allows.",
  rationale:
    "The API server rejects a claim without access modes or with an unknown one, and ReadWriteOncePod combined with " +
    "another mode; a mode the storage cannot serve (ReadWriteMany on block storage) leaves the claim Pending. On UPDATE " +
    "only a changed claim is judged: claims and claim templates are immutable, so an old one must not block scaling.",
  fix: "List the modes the workload needs, usually [ReadWriteOnce], choosing among the policy's allowed modes.",
  kinds: ["StatefulSet", "PersistentVolumeClaim"],
  defaultAction: "deny",
  params,
  check(input) {
    const allowed: readonly string[] = input.params.allowed;
    const issues: RuleIssue[] = [];
    for (const at of claimsOf(input)) {
      if (unchanged(input, at, (claim) => claim.spec?.accessModes)) continue;
      const path = at.path.child("spec", "accessModes");
      const modes = at.claim.spec?.accessModes ?? [];
      if (modes.length === 0) {
        issues.push(required(path, "at least 1 access mode is required, for example ReadWriteOnce"));
        continue;
      }
      modes.forEach((mode, i) => {
        if (!isAccessMode(mode)) issues.push(notSupported(path.index(i), mode, accessModes));
        else if (!allowed.includes(mode)) issues.push(notSupported(path.index(i), mode, allowed, "the policy allows no other"));
      });
      if (modes.includes("ReadWriteOncePod") && modes.some((mode) => mode !== "ReadWriteOncePod")) {
        issues.push(forbidden(path, "may not use ReadWriteOncePod with other access modes"));
      }
    }
    return issues;
  },
  cel: {
    variables: claimVariables,
    validations({ allowed }) {
      const modes = (claim: "c" | "o") => `${claim}.?spec.?accessModes.orValue([])`;
      const rule = (ok: string, says: string) => ({
        expression: everyChangedClaim(ok, modes),
        message: `${celString(`${says}: `)} + ${failingClaimNames(ok, modes)}`,
      });
      return [
        rule(`${modes("c")}.size() > 0`, "at least 1 access mode is required, for example ReadWriteOnce; claims without one"),
        rule(`${modes("c")}.all(m, m in ${celStrings(accessModes)})`, `access modes must be among ${accessModes.join(", ")}; claims with another`),
        rule(`${modes("c")}.all(m, !(m in ${celStrings(accessModes)}) || m in ${celStrings(allowed)})`, `the policy allows only the access modes ${allowed.join(", ")}; claims with another`),
        rule(`!('ReadWriteOncePod' in ${modes("c")}) || ${modes("c")}.all(m, m == 'ReadWriteOncePod')`, "ReadWriteOncePod may not be used with other access modes; claims that do"),
      ];
    },
    cost: claimCost(20),
  },
});
