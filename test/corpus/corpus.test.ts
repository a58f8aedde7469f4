import { describe, expect, it } from "vitest";
import { runCorpus } from "./harness.js";

describe("real-world manifests through /validate", () => {
  it("gives the pinned answer for every StatefulSet and PVC of the corpus", async () => {
    const results = await runCorpus();
    expect(results.length).toBeGreaterThanOrEqual(45);
    // Reviewed by hand: every line below is a finding a Kubernetes expert would sign (see docs/rules.md).
    expect(results.map((r) => [`${r.file} ${r.kind}/${r.name}: ${r.allowed ? "allowed" : "denied"}`, ...r.denials.map((d) => `  deny ${d}`), ...r.warnings.map((w) => `  warn ${w}`)].join("\n")).join("\n\n")).toMatchSnapshot();
  });

  it("denies only what the API server itself would reject", async () => {
    const denied = (await runCorpus()).filter((r) => !r.allowed);
    // Each of these has a selector that does not select its template's labels, which the API server refuses.
    expect(denied.map((r) => `${r.file}`).sort()).toEqual([
      "kube-score__score__testdata__statefulset-appsv1beta1.yaml",
      "kube-score__score__testdata__statefulset-different-labels.yaml",
      "kube-score__score__testdata__statefulset-service-name-different-label.yaml",
      "kube-score__score__testdata__statefulset-test-resources.yaml",
      "kyverno-policies__other__pdb-minavailable__kyverno-test__resource.yaml",
      "kyverno-policies__other__pdb-minavailable__kyverno-test__resource.yaml",
      "rabbitmq-diy__kind__base__deployment.yaml",
    ]);
    for (const r of denied) expect(new Set(r.deniedBy)).toEqual(new Set(["statefulset-selector"]));
  });
});
