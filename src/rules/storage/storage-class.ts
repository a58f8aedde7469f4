import * as z from "zod";
import { type ClusterView, defaultStorageClasses } from "../../cluster/view.js";
import { forbidden, notFound, notSupported, required } from "../../k8s/field.js";
import { advisory, defineRule, type RuleIssue } from "../../engine/types.js";
import { type ClaimAt, type ClaimStorageClass, claimStorageClass, claimsOf } from "../../k8s/claims.js";
import { unchanged } from "./previous.js";
import { celString, celStrings } from "../../engine/cel.js";
import { claimClassCel, claimCost, claimVariables, everyChangedClaim, failingClaimNames } from "./cel.js";

const params = z.object({
  allowed: z.array(z.string().min(1)).default([]).describe("Classes a claim may name; empty means any class."),
  defaultClass: z
    .string()
    .min(1)
    .optional()
    .describe("The cluster's default StorageClass, when the policy knows it better than the cluster view."),
  allowEmpty: z
    .boolean()
    .default(true)
    .describe('Allow storageClassName: "" (static binding to a pre-created PersistentVolume without a class).'),
  requireExisting: z
    .boolean()
    .default(false)
    .describe(
      "Apply the rule's action to a class the cluster view knows does not exist; otherwise that is only a warning, " +
        "since pre-created PersistentVolumes may name a class without a StorageClass object.",
    ),
});
type Params = z.output<typeof params>;

const list = (names: readonly string[]) => names.map((n) => JSON.stringify(n)).join(", ");

/**
 * A claim with a selector or a volumeName binds to a pre-created PersistentVolume by class name; Kubernetes never
 * needs a StorageClass object for that.
 */
const bindsExplicitly = (at: ClaimAt) => Boolean(at.claim.spec?.selector || at.claim.spec?.volumeName);

/** A claim without a class gets the cluster's default class, on creation or later once one exists. */
async function withoutClass(cls: ClaimStorageClass, params: Params, cluster: ClusterView): Promise<RuleIssue[]> {
  let defaults: string[] | undefined;
  if (params.defaultClass) defaults = [params.defaultClass];
  else {
    const lookup = await defaultStorageClasses(cluster);
    if (lookup.state === "found") defaults = lookup.value.map((c) => c.name);
  }
  if (defaults && defaults.length > 0) {
    const refused = params.allowed.length > 0 ? defaults.find((c) => !params.allowed.includes(c)) : undefined;
    if (refused === undefined) return [];
    return [required(cls.path, `the default class ${JSON.stringify(refused)} is not allowed; set one of ${list(params.allowed)}`)];
  }
  const detail =
    defaults === undefined
      ? "the claim relies on the cluster's default StorageClass, which could not be verified; set storageClassName or policy defaultClass"
      : "the cluster has no default StorageClass, so the claim stays Pending until one exists; set storageClassName";
  return [advisory(required(cls.path, detail))];
}

export const storageClass = defineRule({
  id: "storage-class",
  summary: "The claim's StorageClass (storageClassName or the legacy annotation) is allowed and exists.",
  rationale:
    "A claim naming a class that does not exist, or relying on a default class the cluster lacks, stays Pending and " +
    "its pod never starts; an allow-list keeps data on the storage tiers a team has agreed on. On UPDATE " +
    "only a changed claim is judged: claims and claim templates are immutable, so an old one must not block scaling.",
  fix:
    "Set storageClassName to an existing, allowed class. For volumes you create yourself, create a StorageClass with " +
    'provisioner kubernetes.io/no-provisioner and name it on both PersistentVolume and claim, or use storageClassName: "".',
  kinds: ["StatefulSet", "PersistentVolumeClaim"],
  defaultAction: "deny",
  params,
  async check(input) {
    const { params, cluster } = input;
    const issues: RuleIssue[] = [];
    for (const at of claimsOf(input)) {
      if (unchanged(input, at, (claim) => claimStorageClass({ ...at, claim }).name)) continue;
      const cls = claimStorageClass(at);
      if (cls.name === undefined) {
        issues.push(...(await withoutClass(cls, params, cluster)));
        continue;
      }
      if (cls.name === "") {
        if (!params.allowEmpty) {
          issues.push(forbidden(cls.path, "static binding with an empty class is disabled by policy; name a StorageClass"));
        }
        continue;
      }
      if (params.allowed.length > 0 && !params.allowed.includes(cls.name)) {
        issues.push(notSupported(cls.path, cls.name, params.allowed));
        continue;
      }
      if (bindsExplicitly(at)) continue;
      // An unknown answer stays silent: it would repeat on every claim while the view is down.
      const lookup = await cluster.get("StorageClass", "", cls.name);
      if (lookup.state === "not-found") {
        const detail = "no such StorageClass; only a pre-created PersistentVolume of this class can bind, else the claim stays Pending";
        issues.push(advisory(notFound(cls.path, cls.name, detail), !params.requireExisting));
      }
    }
    return issues;
  },
  cel: {
    variables: claimVariables,
    validations({ allowed, defaultClass, allowEmpty }) {
      const cls = claimClassCel("c");
      const read = (claim: "c" | "o") => claimClassCel(claim);
      const rule = (ok: string, says: string) => ({
        expression: everyChangedClaim(ok, read),
        message: `${celString(`${says}: `)} + ${failingClaimNames(ok, read)}`,
      });
      const rules = [];
      if (!allowEmpty) rules.push(rule(`${cls} != ''`, 'static binding with an empty class (storageClassName: "") is disabled by policy; name a StorageClass; claims that do'));
      if (allowed.length > 0) {
        rules.push(rule(`${cls} == null || ${cls} == '' || ${cls} in ${celStrings(allowed)}`, `the storage class must be one of ${allowed.join(", ")}; claims with another`));
        if (defaultClass !== undefined && !allowed.includes(defaultClass)) {
          rules.push(rule(`${cls} != null`, `claims without a class get the default class ${defaultClass}, which is not allowed; set one of ${allowed.join(", ")}; claims without one`));
        }
      }
      return rules;
    },
    webhookOnly:
      "looks up the StorageClass a claim names (one that does not exist warns, or denies with requireExisting) and the cluster's default class for a claim that names none",
    cost: claimCost(20),
  },
});
