import * as z from "zod";
import { invalid, required } from "../../k8s/field.js";
import { defineRule, type RuleIssue } from "../../engine/types.js";
import { claimsOf } from "../../k8s/claims.js";
import { parseQuantity, quantityMeant, quantitySuggestions } from "../../k8s/quantity.js";
import { celString } from "../../engine/cel.js";
import { claimCost, claimVariables, everyChangedClaim, failingClaimNames } from "./cel.js";
import { unchanged } from "./previous.js";

/** apimachinery's own wording for a malformed quantity. */
const quantityFormat = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/** apimachinery's message, then what the text most likely meant: `did you mean 10G or 10Gi?` for `10GB`. */
function withSuggestion(message: string, text: string): string {
  const meant = quantitySuggestions(text);
  return meant.length === 0 ? message : `${message}; did you mean ${meant.join(" or ")}?`;
}

const bound = (what: string) =>
  z
    .string()
    .refine((text) => (parseQuantity(text) ?? -1) > 0, { message: `must be a positive Kubernetes quantity such as 1Gi` })
    .optional()
    .describe(what);

const params = z
  .object({
    min: bound("Smallest storage request a claim may make, as a quantity (for example 1Gi); unset means no minimum."),
    max: bound("Largest storage request a claim may make, as a quantity (for example 500Gi); unset means no maximum."),
  })
  // Crossed bounds would deny every claim: a policy error at load time, not a cluster-wide outage.
  .superRefine(({ min, max }, ctx) => {
    if (min === undefined || max === undefined) return;
    if ((parseQuantity(min) ?? 0) > (parseQuantity(max) ?? Number.POSITIVE_INFINITY)) {
      ctx.addIssue({ code: "custom", path: ["min"], message: `${min} is more than max ${max}` });
    }
  });

export const storageRequest = defineRule({
  id: "storage-request",
  summary: "resources.requests.storage is set, a valid quantity, and within the configured bounds.",
  rationale:
    "The API server rejects a claim without a storage request, and a volume far larger or smaller than agreed costs " +
    "money or fills up; a StatefulSet cannot change its claim templates later. On UPDATE " +
    "only a changed request is judged, so a stricter policy never blocks scaling an existing StatefulSet.",
  fix: "Set spec.resources.requests.storage to a quantity such as 10Gi, within the policy's min and max.",
  kinds: ["StatefulSet", "PersistentVolumeClaim"],
  defaultAction: "deny",
  params,
  check(input) {
    const { params } = input;
    const min = params.min === undefined ? undefined : parseQuantity(params.min);
    const max = params.max === undefined ? undefined : parseQuantity(params.max);
    const issues: RuleIssue[] = [];
    for (const at of claimsOf(input)) {
      if (unchanged(input, at, (claim) => claim.spec?.resources?.requests?.storage)) continue;
      const path = at.path.child("spec", "resources", "requests", "storage");
      const value = at.claim.spec?.resources?.requests?.storage;
      if (value === undefined) {
        issues.push(required(path, "set the volume's size, for example 10Gi"));
        continue;
      }
      const size = parseQuantity(value);
      if (size === undefined) issues.push(invalid(path, value, withSuggestion(quantityFormat, String(value))));
      else if (size <= 0) issues.push(invalid(path, value, "must be greater than zero"));
      else if (min !== undefined && size < min) {
        issues.push(invalid(path, value, `must be greater than or equal to ${params.min}, the policy's minimum`));
      } else if (max !== undefined && size > max) {
        issues.push(invalid(path, value, `must be less than or equal to ${params.max}, the policy's maximum`));
      }
    }
    return issues;
  },
  cel: {
    variables: claimVariables,
    validations({ min, max }) {
      const request = (claim: "c" | "o") => `${claim}.?spec.?resources.?requests.?storage.orValue(null)`;
      // A typed object always carries a quantity as a string; string() also reads a manifest's bare number.
      const size = "quantity(string(c.spec.resources.requests.storage))";
      const set = `${request("c")} != null`;
      const parses = `${set} && isQuantity(string(c.spec.resources.requests.storage))`;
      const rule = (ok: string, says: string) => ({
        expression: everyChangedClaim(ok, request),
        message: `${celString(`${says}: `)} + ${failingClaimNames(ok, request)}`,
      });
      const rules = [
        rule(set, "set the volume's size (spec.resources.requests.storage), for example 10Gi; claims without one"),
        rule(`!(${set}) || isQuantity(string(c.spec.resources.requests.storage))`, `${quantityFormat}; claims whose storage request is not a quantity`),
        rule(`!(${parses}) || ${size}.isGreaterThan(quantity('0'))`, "the storage request must be greater than zero; claims whose is not"),
      ];
      if (min !== undefined) {
        rules.push(rule(`!(${parses}) || !${size}.isLessThan(quantity(${celString(min)}))`, `the storage request must be at least ${min}, the policy's minimum; claims below it`));
      }
      if (max !== undefined) {
        rules.push(rule(`!(${parses}) || !${size}.isGreaterThan(quantity(${celString(max)}))`, `the storage request must be at most ${max}, the policy's maximum; claims above it`));
      }
      return rules;
    },
    cost: claimCost(30),
  },
  autofix: {
    summary:
      "A size whose unit Kubernetes does not know but whose meaning is certain becomes that quantity: `10GB` → `10G`, `1.5TiB` → `1.5Ti`, `10 Gi` → `10Gi`. A unit that could mean two sizes (`10g`, `10gb`, `10KB`) is left for you to choose.",
    of(_input, finding) {
      if (typeof finding.value !== "string" || parseQuantity(finding.value) !== undefined) return undefined;
      const meant = quantityMeant(finding.value);
      if (meant !== undefined) return { changes: [{ path: finding.path, value: meant, by: "storage-request" }] };
      const candidates = quantitySuggestions(finding.value);
      if (candidates.length > 1) return { refused: `${JSON.stringify(finding.value)} could mean ${candidates.join(" or ")}` };
      return candidates.length === 1 ? { refused: `the unit's case makes ${JSON.stringify(finding.value)} uncertain; did you mean ${candidates[0]}?` } : undefined;
    },
  },
});
