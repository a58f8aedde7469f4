/** The one review pipeline that the webhook, `stateward check` and `stateward mutate` adapt. */
import { describe, expect, it } from "vitest";
import { emptyClusterView, memoryClusterView } from "../../src/cluster/view.js";
import { formatFinding } from "../../src/engine/finding.js";
import { type ReviewResult, runReview, type ReviewRequest } from "../../src/engine/review.js";
import { buildPolicy } from "../../src/policy/policy.js";
import { baseStatefulSet, headlessWeb } from "../rules/helpers.js";

const policy = buildPolicy({ exemptions: { namespaces: ["kube-system"], users: ["ci-bot"] } });
const context = { policy, cluster: memoryClusterView({ services: [headlessWeb] }) };

const subject = (changes: Partial<ReviewRequest> = {}): ReviewRequest => ({
  mode: "validate",
  kind: "StatefulSet",
  object: baseStatefulSet(),
  operation: "CREATE",
  namespace: "default",
  ...changes,
});

const texts = (result: ReviewResult) => {
  if (result.outcome === "findings") return { deny: result.denials.map((f) => formatFinding(f)), warn: result.warnings.map((f) => formatFinding(f)) };
  if (result.outcome === "undecodable") return { deny: result.problems.map((f) => formatFinding(f)), warn: [] };
  throw new Error(`no findings: ${result.outcome}`);
};

describe("runReview", () => {
  it("skips operations it does not review, and exempt namespaces and users, saying why", async () => {
    expect(await runReview(subject({ operation: "DELETE" }), context)).toEqual({ outcome: "skipped", reason: "DELETE is not reviewed" });
    expect(await runReview(subject({ namespace: "kube-system" }), context)).toEqual({
      outcome: "skipped",
      reason: 'namespace "kube-system" is exempt',
    });
    expect(await runReview(subject({ user: { username: "ci-bot" } }), context)).toEqual({
      outcome: "skipped",
      reason: 'user "ci-bot" is exempt',
    });
  });

  it("reports an object its kind's schema refuses, in both modes, before any rule or default runs", async () => {
    const object = { ...baseStatefulSet(), spec: { replicas: "two" } };
    for (const mode of ["validate", "mutate"] as const) {
      const result = await runReview(subject({ mode, object }), context);
      expect(result.outcome).toBe("undecodable");
      expect(texts(result).deny).toEqual([expect.stringMatching(/^spec\.replicas: Invalid value: "two": .*\[object-decoding\]$/)]);
    }
    const missing = await runReview(subject({ object: undefined }), context);
    expect(texts(missing).deny).toEqual(["request.object: Invalid value: null: the request carries no object [object-decoding]"]);
  });

  it("judges the stored object of an UPDATE too", async () => {
    const oldObject = { ...baseStatefulSet(), metadata: { name: 7 } };
    const result = await runReview(subject({ operation: "UPDATE", oldObject }), context);
    expect(texts(result).deny).toEqual([expect.stringMatching(/^metadata\.name: Invalid value: 7: /)]);
  });

  it("returns the rules' findings with structured paths in validate mode", async () => {
    const object = baseStatefulSet();
    object.spec!.template!.spec!.containers![0]!.readinessProbe = null;
    const result = await runReview(subject({ object }), context);
    if (result.outcome !== "findings") throw new Error(result.outcome);
    expect(result.denials).toEqual([]);
    const probe = result.warnings.filter((f) => f.ruleId === "statefulset-readiness-probe");
    expect(probe.map((f) => [f.ruleId, f.error.path.segments])).toEqual([
      [
        "statefulset-readiness-probe",
        [
          { type: "name", name: "spec" },
          { type: "name", name: "template" },
          { type: "name", name: "spec" },
          { type: "name", name: "containers" },
          { type: "index", index: 0 },
          { type: "name", name: "readinessProbe" },
        ],
      ],
    ]);
  });

  it("returns the defaults' patch in mutate mode, and no patch when nothing changes", async () => {
    const object = baseStatefulSet();
    delete object.spec!.template!.spec!.terminationGracePeriodSeconds;
    const mutated = await runReview(subject({ mode: "mutate", object }), { policy, cluster: emptyClusterView() });
    if (mutated.outcome !== "patch") throw new Error(mutated.outcome);
    expect(mutated.applied.length).toBeGreaterThan(0);
    expect(mutated.patch).toContainEqual(expect.objectContaining({ path: "/spec/template/spec/terminationGracePeriodSeconds" }));
    const again = await runReview(subject({ mode: "mutate", object: mutated.mutated }), { policy, cluster: emptyClusterView() });
    expect(again).toMatchObject({ outcome: "patch", patch: undefined, applied: [] });
  });
});
