/**
 * The claims of a review in CEL, as src/k8s/claims.ts and ./previous.ts read them in TypeScript: the PVC itself or each
 * volumeClaimTemplate of a StatefulSet, and on UPDATE the same claim in `oldObject` (the old PVC, or the old template
 * of the same name), so that a rule judges only what an update changed.
 */

/** `variables.claims` and `variables.oldClaims`, for a policy that matches StatefulSets and PersistentVolumeClaims. */
export const claimVariables = [
  {
    name: "claims",
    expression: "request.kind.kind == 'PersistentVolumeClaim' ? [object] : object.?spec.?volumeClaimTemplates.orValue([])",
  },
  {
    name: "oldClaims",
    expression:
      "oldObject == null ? [] : request.kind.kind == 'PersistentVolumeClaim' ? [oldObject] : oldObject.?spec.?volumeClaimTemplates.orValue([])",
  },
] as const;

/**
 * True on UPDATE when `read` (a CEL expression of the claim variable `c`) gives the same value for the claim and its
 * previous self, `o`. A template's previous self has the same name; an unnamed template has none.
 */
export function unchangedCel(read: (claim: "c" | "o") => string): string {
  const samePlace = "(request.kind.kind == 'PersistentVolumeClaim' || (c.?metadata.?name.orValue('') != '' && o.?metadata.?name.orValue('') == c.metadata.name))";
  return `(request.operation == 'UPDATE' && variables.oldClaims.exists(o, ${samePlace} && ${read("o")} == ${read("c")}))`;
}

/** Every claim passes `ok` (a CEL expression of `c`) or is unchanged by the update as far as `read` sees. */
export function everyChangedClaim(ok: string, read: (claim: "c" | "o") => string): string {
  return `variables.claims.all(c, ${ok} || ${unchangedCel(read)})`;
}

/** The names of the claims that fail `ok` and changed, for a message; a PVC's own name, or the template's. */
export function failingClaimNames(ok: string, read: (claim: "c" | "o") => string): string {
  return `variables.claims.filter(c, !(${ok}) && !${unchangedCel(read)}).map(c, c.?metadata.?name.orValue('<unnamed>')).join(', ')`;
}

/** Cost note shared by the claim rules: the API server's static estimate, per claim, for a few field reads. */
export const claimCost = (perClaim: number) =>
  `about ${perClaim} per claim, ${perClaim * 2} per claim on UPDATE (each claim is compared with the old ones by name: claims × old claims); a StatefulSet of 10 claim templates: about ${perClaim * 10 + perClaim * 100} at most`;

/**
 * The class a claim asks for, as claimStorageClass reads it: the legacy annotation wins over storageClassName; null
 * when it names none.
 */
export const claimClassCel = (claim: "c" | "o") =>
  `${claim}.?metadata.?annotations[?'volume.beta.kubernetes.io/storage-class'].orValue(${claim}.?spec.?storageClassName.orValue(null))`;
