/**
 * What a StatefulSet change will do, answered inside workerd: the same UPDATE scenarios as the Node tests
 * (test/rules/statefulset-impact.test.ts, -stuck-rollout, -protect-claims), from test/fixtures/rollouts.ts; the claims
 * come from the cluster view in the real SQLite-backed Durable Object, written through /inventory as a sync does.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/http/app.js";
import { loadPolicy } from "../../src/policy/policy.js";
import { type ClusterBindings, clusterFromBindings } from "../../src/worker/bindings.js";
import resizeReview from "../fixtures/admission/000-web.statefulset-web.update-resize-template.validate.json";
import { claimItem, claimsWarning, fixStuckRollout, impactScenarios, scaleDown, stuckWarning } from "../fixtures/rollouts.js";

interface ReviewAnswer {
  response: { allowed: boolean; warnings?: string[]; status?: { message: string } };
}

type Fetch = (request: Request) => Response | Promise<Response>;
const worker: Fetch = (request) => exports.default.fetch(request);
const token = "impact-token";

/** An app over the Worker's own bindings for one cluster name, with a token and optionally a policy. */
function appFor(cluster: string, policy?: string) {
  const config = { token, policy: loadPolicy(policy), ...clusterFromBindings({ ...(env as unknown as ClusterBindings), STATEWARD_CLUSTER: cluster }) };
  return createApp({ config: () => config, log: () => {} });
}

async function validate(fetch: Fetch, review: unknown): Promise<ReviewAnswer> {
  const res = await fetch(
    new Request("http://x/validate", { method: "POST", body: JSON.stringify(review), headers: { authorization: `Bearer ${token}` } }),
  );
  expect(res.status).toBe(200);
  return (await res.json()) as ReviewAnswer;
}

const ofRule = (answer: ReviewAnswer, id: string) => (answer.response.warnings ?? []).filter((w) => w.endsWith(`[${id}]`));

describe("statefulset-impact in workerd", () => {
  for (const scenario of impactScenarios) {
    it(scenario.name, async () => {
      const answer = await validate(worker, scenario.review());
      expect(answer.response.allowed).toBe(true);
      expect(ofRule(answer, "statefulset-impact")).toEqual(scenario.warning === undefined ? [] : [scenario.warning]);
    });
  }
});

describe("statefulset-stuck-rollout in workerd", () => {
  it("names the pod to delete, and denies under a policy that says so", async () => {
    expect(ofRule(await validate(worker, fixStuckRollout()), "statefulset-stuck-rollout")).toEqual([stuckWarning]);
    const denied = await validate(appFor("stuck", JSON.stringify({ rules: { "statefulset-stuck-rollout": { action: "deny" } } })).fetch, fixStuckRollout());
    expect(denied.response.allowed).toBe(false);
    expect(denied.response.status?.message).toBe(`StatefulSet "web" is invalid: ${stuckWarning}`);
  });
});

describe("statefulset-protect-claims in workerd", () => {
  it("names the claims the view holds for the removed ordinals, and denies under a policy that says so", async () => {
    const items = ["www-web-0", "www-web-1", "www-web-2", "www-web-3", "www-web-4"].map(claimItem);
    const list = { apiVersion: "v1", kind: "List", metadata: { resourceVersion: "" }, items };
    const app = appFor("claims");
    const synced = await app.fetch(
      new Request("http://x/inventory", { method: "PUT", body: JSON.stringify(list), headers: { authorization: `Bearer ${token}` } }),
    );
    expect(synced.status).toBe(200);
    expect(ofRule(await validate(app.fetch, scaleDown(5, 3)), "statefulset-protect-claims")).toEqual([claimsWarning]);

    const strict = appFor("claims", JSON.stringify({ rules: { "statefulset-protect-claims": { action: "deny" } } }));
    const denied = await validate(strict.fetch, scaleDown(5, 3));
    expect(denied.response.allowed).toBe(false);
    expect(denied.response.status?.message).toBe(`StatefulSet "web" is invalid: ${claimsWarning}`);
  });
});

describe("statefulset-immutable-fields' resize recipe in workerd", () => {
  it("denies a claim template resize with the class's verdict from the view and the claims' commands", async () => {
    const app = appFor("resize");
    const storageClass = {
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: { name: "my-storage-class" },
      provisioner: "csi.example",
      allowVolumeExpansion: true,
    };
    const list = { apiVersion: "v1", kind: "List", metadata: { resourceVersion: "" }, items: [storageClass] };
    const synced = await app.fetch(
      new Request("http://x/inventory", { method: "PUT", body: JSON.stringify(list), headers: { authorization: `Bearer ${token}` } }),
    );
    expect(synced.status).toBe(200);
    const denied = await validate(app.fetch, resizeReview);
    expect(denied.response.allowed).toBe(false);
    expect(denied.response.status?.message).toContain(
      `are forbidden; StorageClass "my-storage-class" allows volume expansion; to resize: for i in 0 1; do kubectl -n default patch pvc www-web-$i -p '{"spec":{"resources":{"requests":{"storage":"20Gi"}}}}'; done; kubectl -n default delete statefulset web --cascade=orphan; then re-apply`,
    );
  });
});
