/**
 * A slow or broken cluster-view store must never hold admission: every lookup is bounded by the policy's
 * clusterView.timeoutMs, the rules fall back to "unknown" and say so, and the answer comes well within the API
 * server's webhook timeout (Stateward's registrations use timeoutSeconds of 5 at most).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { boundedClusterView, type ClusterView, type Lookup } from "../../src/cluster/view.js";
import { createApp } from "../../src/http/app.js";
import { loadPolicy } from "../../src/policy/policy.js";

const timeoutMs = 100;
/** Far under the webhook's timeoutSeconds, far over timeoutMs times the lookups a review makes. */
const answerBoundMs = 2_000;

const never = () => new Promise<never>(() => undefined);
const slowly = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

function viewOf(lookup: () => Promise<Lookup<never>>): ClusterView {
  return { get: lookup, list: lookup };
}

const stores: Record<string, { view: ClusterView; reason: string }> = {
  "a store slower than the timeout": {
    view: viewOf(() => slowly(10_000, { state: "not-found" })),
    reason: `the cluster view did not answer within ${timeoutMs} ms`,
  },
  "a store that never answers": { view: viewOf(never), reason: `the cluster view did not answer within ${timeoutMs} ms` },
  "a store that fails": {
    view: viewOf(() => Promise.reject(new Error("etcd is on fire"))),
    reason: "the cluster view failed: Error: etcd is on fire",
  },
};

describe("boundedClusterView", () => {
  for (const [name, { view, reason }] of Object.entries(stores)) {
    it(`turns ${name} into unknown, within the timeout`, async () => {
      const bounded = boundedClusterView(view, timeoutMs);
      const started = performance.now();
      const answers = await Promise.all([
        bounded.get("Service", "default", "web-headless"),
        bounded.get("StorageClass", "", "fast"),
        bounded.list("PodDisruptionBudget", "default"),
        bounded.get("StatefulSet", "default", "web"),
      ]);
      const elapsed = performance.now() - started;
      for (const answer of answers) expect(answer).toEqual({ state: "unknown", reason });
      // Far under the 10 s store, with room for a loaded CI machine.
      expect(elapsed).toBeLessThan(answerBoundMs);
    });
  }

  it("passes a timely answer through unchanged", async () => {
    const record = { namespace: "default", name: "web-headless", clusterIP: "None", selector: { app: "nginx" } };
    const bounded = boundedClusterView({ ...viewOf(never), get: () => slowly(5, { state: "found", value: record }) } as ClusterView, timeoutMs);
    expect(await bounded.get("Service", "default", "web-headless")).toEqual({ state: "found", value: record });
  });
});

describe("admission with a slow or failing cluster view", () => {
  const policy = loadPolicy(`clusterView:\n  timeoutMs: ${timeoutMs}\n`);
  const body = readFileSync("test/fixtures/admission/000-web.statefulset-web.create.validate.json", "utf8");

  for (const [name, { view, reason }] of Object.entries(stores)) {
    it(`allows with a warning that the Service could not be verified, given ${name}`, async () => {
      const app = createApp({ config: () => ({ token: undefined, policy, cluster: view }), log: () => undefined });
      const started = performance.now();
      const response = await app.fetch(
        new Request("http://stateward.test/validate", { method: "POST", headers: { "content-type": "application/json" }, body }),
      );
      const elapsed = performance.now() - started;
      expect(response.status).toBe(200);
      const review = (await response.json()) as { response: { uid: string; allowed: boolean; warnings?: string[] } };
      expect(elapsed).toBeLessThan(answerBoundMs);
      expect(review.response.uid).toBe("00000000-0000-4000-8000-000000000004");
      expect(review.response.allowed).toBe(true);
      expect(review.response.warnings).toContain(
        `spec.serviceName: could not verify Service "web-headless": ${reason} [statefulset-headless-service]`,
      );
    });
  }
});
