/**
 * GET /audit inside workerd, answered from the SQLite-backed Durable Object: the Worker's own entry refuses it without
 * a WEBHOOK_TOKEN; an app over the same bindings with a token syncs a cluster into the Durable Object and audits it,
 * as JSON and as PolicyReports, page by page. (The reports' schema is checked against the CRD in the Node tests: ajv
 * compiles validators with `new Function`, which workerd forbids.)
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { policyReports } from "../../src/audit/policy-report.js";
import { createApp } from "../../src/http/app.js";
import { auditNeedsTokenMessage } from "../../src/http/audit-routes.js";
import { loadPolicy } from "../../src/policy/policy.js";
import { type ClusterBindings, clusterFromBindings } from "../../src/worker/bindings.js";

const token = "audit-token";
const bindings = env as unknown as ClusterBindings;

function appFor(cluster: string) {
  const config = { token, policy: loadPolicy(undefined), ...clusterFromBindings({ ...bindings, STATEWARD_CLUSTER: cluster }) };
  return createApp({ config: () => config, log: () => {} });
}

const statefulSet = (namespace: string, name: string, selector = true) => ({
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: {
    namespace,
    name,
    uid: `uid-${namespace}-${name}`,
    managedFields: [{ manager: "kubectl", operation: "Update", fieldsV1: { "f:spec": {} } }],
  },
  spec: {
    ...(selector ? { selector: { matchLabels: { app: name } } } : {}),
    serviceName: name,
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "db", image: "postgres:16" }] } },
  },
});

const authorized = { authorization: `Bearer ${token}` };

describe("GET /audit on the Worker", () => {
  it("is not served by a Worker without a WEBHOOK_TOKEN", async () => {
    const res = await exports.default.fetch(new Request("http://x/audit"));
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: auditNeedsTokenMessage });
  });

  it("audits what the Durable Object holds, as JSON and as PolicyReports, page by page", { timeout: 30_000 }, async () => {
    const app = appFor("audit-worker");
    const items = [statefulSet("shop", "web"), statefulSet("billing", "ledger", false), statefulSet("shop", "cache")];
    const put = await app.request("/inventory", {
      method: "PUT",
      headers: authorized,
      body: JSON.stringify({ apiVersion: "v1", kind: "List", items }),
    });
    expect(put.status).toBe(200);
    expect((await app.request("/audit")).status).toBe(401);

    const json = (await (await app.request("/audit", { headers: authorized })).json()) as any;
    expect(json.objects.map((o: any) => `${o.namespace}/${o.name}`)).toEqual(["billing/ledger", "shop/cache", "shop/web"]);
    expect(json.view.StatefulSet).toMatchObject({ count: 3, complete: true });
    expect(json.objects[0].findings).toContainEqual(expect.objectContaining({ ruleId: "statefulset-selector", action: "deny" }));

    const reports = (await (await app.request("/audit?format=reports", { headers: authorized })).json()) as any;
    expect(reports.kind).toBe("List");
    const expected = policyReports(json.objects, new Date(reports.items[0].results[0].timestamp.seconds * 1000));
    expect(reports.items).toEqual(expected);

    const first = (await (await app.request("/audit?limit=2", { headers: authorized })).json()) as any;
    expect(first.objects).toHaveLength(2);
    expect(first.continue).toEqual(expect.any(String));
    const second = (await (await app.request(`/audit?limit=2&continue=${encodeURIComponent(first.continue)}`, { headers: authorized })).json()) as any;
    expect([...first.objects, ...second.objects]).toEqual(json.objects);
  });
});
