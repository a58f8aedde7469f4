/**
 * The exported CEL gives the TypeScript rule's verdict on every StatefulSet and PVC of the repository's manifests
 * (./corpus.ts: test/fixtures and examples/, CREATE and UPDATE pairs), evaluated from the generated YAML itself. Per
 * review and exported rule, two verdicts must agree: whether the rule denies (a finding that is not advisory, under a
 * policy where every rule denies) and whether it advises (an advisory finding, which the export puts in a policy that
 * only warns). The TypeScript rule runs with a cluster view that can verify nothing, so its lookups stay silent or
 * advisory; and an object's exemption annotation is judged by the engine's own objectExemptions.
 */
import { describe, expect, it } from "vitest";
import { emptyClusterView } from "../../src/cluster/view.js";
import { objectExemptions } from "../../src/engine/exemption.js";
import type { DecodedObjects, Rule } from "../../src/engine/types.js";
import { celExportOf, exportVap, renderVapExport } from "../../src/export/vap.js";
import { buildPolicy } from "../../src/policy/policy.js";
import { rules } from "../../src/rules/index.js";
import { type CorpusReview, corpusReviews } from "./corpus.js";
import { evaluatePolicy, type ExportedPolicy, exportedPolicies } from "./evaluate-vap.js";

/**
 * Rules whose advice comes from cluster lookups (the default StorageClass), which the export leaves to the webhook: only
 * their denials are compared.
 */
const adviceFromLookups = new Set(["storage-class"]);

const exported = rules.filter((rule) => celExportOf(rule));

/** Every exported rule denies, with parameters that make the policy-dependent checks bite on the corpus. */
const strictPolicy = {
  rules: {
    ...Object.fromEntries(exported.map((rule) => [rule.id, { action: "deny" }])),
    "storage-access-modes": { action: "deny", allowed: ["ReadWriteOnce", "ReadWriteOncePod"] },
    "storage-request": { action: "deny", min: "1Gi", max: "50Gi" },
    "storage-class": { action: "deny", allowed: ["standard", "fast-ssd"], allowEmpty: false, defaultClass: "slow" },
    "statefulset-termination-grace": { action: "deny", min: 5, max: 600 },
    "statefulset-update-strategy": { action: "deny", onDelete: "deny" },
    "statefulset-spread": { action: "deny", minReplicas: 3, topologyKeys: ["kubernetes.io/hostname", "topology.kubernetes.io/zone"] },
  },
};

interface Verdict {
  denies: boolean;
  advises: boolean;
}

const policies = new Map<unknown, ReturnType<typeof buildPolicy>>();

async function typescriptVerdict(rule: Rule, review: CorpusReview, document: unknown): Promise<Verdict> {
  const policy = policies.get(document) ?? buildPolicy(document);
  policies.set(document, policy);
  const scope = policy.forNamespace(review.namespace);
  if (policy.exemption(review.namespace, { username: "someone", groups: ["system:authenticated"] })) return { denies: false, advises: false };
  const resolved = scope.rules.find((r) => r.rule.id === rule.id)!;
  if (resolved.action === "off" || !rule.kinds.includes(review.kind)) return { denies: false, advises: false };
  if (objectExemptions(review.object, scope, policy.objectExemptions).exemptions.some((e) => e.ruleId === rule.id)) {
    return { denies: false, advises: false };
  }
  const issues = await rule.check({
    ...({ kind: review.kind, object: review.object, oldObject: review.oldObject } as DecodedObjects),
    operation: review.operation,
    namespace: review.namespace,
    params: resolved.params,
    cluster: emptyClusterView("offline equivalence test"),
  });
  const denies = resolved.action === "deny" && issues.some((i) => !i.advisory);
  return { denies, advises: issues.some((i) => i.advisory || (resolved.action === "warn" && !i.advisory)) };
}

function celVerdict(policies: readonly ExportedPolicy[], review: CorpusReview): Verdict & { messages: string[] } {
  const verdict = { denies: false, advises: false, messages: [] as string[] };
  for (const policy of policies) {
    const failures = evaluatePolicy(policy, review);
    if (!failures || failures.length === 0) continue;
    verdict.messages.push(...failures);
    if (policy.validationActions.includes("Deny")) verdict.denies = true;
    else verdict.advises = true;
  }
  return verdict;
}

const reviews = corpusReviews();

describe.each([
  ["the built-in defaults", undefined],
  ["a policy where every rule denies, with bounds", strictPolicy],
])("export vap under %s", (_, document) => {
  const policies = exportedPolicies(renderVapExport(exportVap(document)));

  it("judges a corpus of StatefulSets and PVCs, CREATE and UPDATE", () => {
    expect(reviews.filter((r) => r.kind === "StatefulSet" && r.operation === "CREATE").length).toBeGreaterThan(50);
    expect(reviews.filter((r) => r.kind === "PersistentVolumeClaim").length).toBeGreaterThan(5);
    expect(reviews.filter((r) => r.operation === "UPDATE" && !r.source.includes("(updated")).length).toBeGreaterThan(5);
  });

  it.each(exported.map((rule) => [rule.id, rule] as const))("%s: the CEL verdict is the TypeScript rule's on every review", async (ruleId, rule) => {
    const mine = policies.filter((p) => p.ruleId === ruleId);
    const differences: string[] = [];
    let findings = 0;
    for (const review of reviews) {
      const expected = await typescriptVerdict(rule, review, document);
      const actual = celVerdict(mine, review);
      for (const message of actual.messages) expect(message.startsWith(`${ruleId}: `)).toBe(true);
      if (expected.denies || expected.advises) findings++;
      const adviceCompared = !adviceFromLookups.has(ruleId);
      if (expected.denies !== actual.denies || (adviceCompared && expected.advises !== actual.advises)) {
        differences.push(`${review.source} ${review.operation}: TypeScript ${JSON.stringify(expected)}, CEL ${JSON.stringify({ denies: actual.denies, advises: actual.advises })} ${actual.messages.join(" | ")}`);
      }
    }
    expect(differences).toEqual([]);
    // A rule that finds nothing anywhere would agree vacuously; every exported rule finds something in the strict run.
    if (document !== undefined) expect(findings).toBeGreaterThan(0);
  });
});
