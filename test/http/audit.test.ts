/**
 * GET /audit on Node, over the in-process store: token-protected like the writes, JSON or PolicyReports that the CRD
 * accepts, page by page with a bounded limit.
 */
import { describe, expect, it } from "vitest";
import { mergePolicyReports } from "../../src/audit/policy-report.js";
import { syncInventory } from "../../src/cluster/ingest.js";
import { memoryClusterStore } from "../../src/cluster/memory-store.js";
import { clusterViewOf } from "../../src/cluster/store.js";
import { createApp } from "../../src/http/app.js";
import { auditNeedsTokenMessage } from "../../src/http/audit-routes.js";
import { loadPolicy } from "../../src/policy/policy.js";
import { expectValidOpenReports, expectValidReports } from "../audit/crd.js";

const token = "audit-token";

const statefulSet = (namespace: string, name: string, selector = true) => ({
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: { namespace, name, uid: `uid-${namespace}-${name}` },
  spec: {
    ...(selector ? { selector: { matchLabels: { app: name } } } : {}),
    serviceName: name,
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "db", image: "postgres:16" }] } },
  },
});
const claim = (namespace: string, name: string) => ({
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: { namespace, name, uid: `uid-${namespace}-${name}` },
  spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
});

/** An app over a memory store that has synced two namespaces; `configured` is its WEBHOOK_TOKEN (none: null). */
async function appWithCluster(
  configured: string | null = token,
  items: unknown[] = [statefulSet("shop", "web"), statefulSet("billing", "ledger", false), claim("shop", "data-web-0"), claim("billing", "data-ledger-0")],
) {
  const store = memoryClusterStore();
  const app = createApp({
    config: () => ({ token: configured ?? undefined, policy: loadPolicy(undefined), cluster: clusterViewOf(store), store }),
    log: () => {},
  });
  const synced = await syncInventory(store, { apiVersion: "v1", kind: "List", items });
  if (!synced.ok) throw new Error(synced.error);
  return app;
}

/** GET with a bearer token (none: null). */
const get = (app: Awaited<ReturnType<typeof appWithCluster>>, path: string, auth: string | null = token) =>
  app.request(path, { headers: auth ? { authorization: `Bearer ${auth}` } : {} });

describe("GET /audit", () => {
  it("is never served without a token, and answers 401 without the right one", async () => {
    const open = await appWithCluster(null);
    const refused = await get(open, "/audit", null);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: auditNeedsTokenMessage });
    const app = await appWithCluster();
    expect((await get(app, "/audit", null)).status).toBe(401);
    expect((await get(app, "/audit", "wrong")).status).toBe(401);
    expect((await get(app, `/t/${token}/audit`, null)).status).toBe(200);
    expect((await app.request("/audit", { method: "POST", headers: { authorization: `Bearer ${token}` } })).status).toBe(405);
  });

  it("answers the findings as JSON, with how complete the view is", async () => {
    const app = await appWithCluster();
    const res = await get(app, "/audit");
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.objects.map((o: any) => `${o.kind} ${o.namespace}/${o.name}`)).toEqual([
      "StatefulSet billing/ledger",
      "StatefulSet shop/web",
      "PersistentVolumeClaim billing/data-ledger-0",
      "PersistentVolumeClaim shop/data-web-0",
    ]);
    expect(body.continue).toBeNull();
    expect(body.view.StatefulSet).toMatchObject({ count: 2, complete: true });
    const ledger = body.objects[0];
    expect(ledger).toMatchObject({ uid: "uid-billing-ledger" });
    expect(ledger.findings).toContainEqual(expect.objectContaining({ ruleId: "statefulset-selector", action: "deny", path: "spec.selector" }));
  });

  it("answers PolicyReports the CRD accepts, one per namespace, and pages that join into the same reports", async () => {
    const app = await appWithCluster();
    const whole = (await (await get(app, "/audit?format=reports")).json()) as any;
    expect(whole).toMatchObject({ apiVersion: "v1", kind: "List", metadata: {} });
    expectValidReports(whole.items);
    expect(whole.items.map((r: any) => r.metadata.namespace)).toEqual(["billing", "shop"]);
    expect(whole.items[0].results).toContainEqual(expect.objectContaining({ policy: "statefulset-selector", result: "fail" }));

    const pages: any[] = [];
    let next: string | undefined;
    do {
      const query = new URLSearchParams({ format: "reports", limit: "1", ...(next ? { continue: next } : {}) });
      const page = (await (await get(app, `/audit?${query}`)).json()) as any;
      expectValidReports(page.items);
      pages.push(page);
      next = page.metadata.continue;
    } while (next && pages.length < 10);
    // One object a page, and a last one that finds no PodDisruptionBudget after the claims.
    expect(pages).toHaveLength(5);
    const merged = mergePolicyReports(pages.map((p) => p.items));
    const withoutTime = (reports: any[]) => reports.map((r) => ({ ...r, results: r.results.map(({ timestamp: _, ...rest }: any) => rest) }));
    expect(withoutTime(merged)).toEqual(withoutTime(whole.items));
  });

  it("answers openreports.io/v1alpha1 Reports with api=, valid against that CRD, with the PolicyReports' results", async () => {
    const app = await appWithCluster();
    const open = (await (await get(app, "/audit?format=reports&api=openreports.io/v1alpha1")).json()) as any;
    expect(open).toMatchObject({ apiVersion: "v1", kind: "List", metadata: {} });
    expectValidOpenReports(open.items);
    expect(open.items.map((r: any) => [r.apiVersion, r.kind, r.metadata.namespace])).toEqual([
      ["openreports.io/v1alpha1", "Report", "billing"],
      ["openreports.io/v1alpha1", "Report", "shop"],
    ]);
    const policy = (await (await get(app, "/audit?format=reports&api=wgpolicyk8s.io/v1alpha2")).json()) as any;
    expectValidReports(policy.items);
    const results = (reports: any[]) => reports.map((r) => r.results.map(({ timestamp: _, ...rest }: any) => rest));
    expect(results(open.items)).toEqual(results(policy.items));
  });

  it("reports a rule an object's annotation exempts it from as a skip result with the reason, in JSON and in PolicyReports", async () => {
    const ledger = statefulSet("billing", "ledger", false);
    (ledger.metadata as Record<string, unknown>).annotations = { "stateward.dev/ignore-statefulset-selector": "migrated by hand this week" };
    const app = await appWithCluster(token, [ledger]);
    const json = (await (await get(app, "/audit")).json()) as any;
    expect(json.objects[0].findings.some((f: any) => f.ruleId === "statefulset-selector")).toBe(false);
    expect(json.objects[0].exempted).toEqual([
      expect.objectContaining({ ruleId: "statefulset-selector", action: "deny", exemption: { annotation: "stateward.dev/ignore-statefulset-selector", reason: "migrated by hand this week" } }),
    ]);
    const reports = (await (await get(app, "/audit?format=reports")).json()) as any;
    expectValidReports(reports.items);
    expect(reports.items[0].results.filter((r: any) => r.policy === "statefulset-selector")).toEqual([
      expect.objectContaining({
        result: "skip",
        message: "exempted by annotation stateward.dev/ignore-statefulset-selector: migrated by hand this week (1 finding exempted)",
        properties: { annotation: "stateward.dev/ignore-statefulset-selector", reason: "migrated by hand this week", exemptedFindings: "1" },
      }),
    ]);
    expect(reports.items[0].summary).toMatchObject({ fail: 0, skip: 1 });
  });

  it("refuses a bad query with a clear error", async () => {
    const app = await appWithCluster();
    for (const [query, error] of [
      ["format=yaml", "format takes json or reports"],
      ["limit=0", "limit takes a number of objects from 1 to 5000"],
      ["limit=5001", "limit takes a number of objects from 1 to 5000"],
      ["limit=ten", "limit takes a number of objects from 1 to 5000"],
      ["continue=nonsense", "is not a continue token"],
      ["namespace=shop", "unknown query parameter(s): namespace"],
      ["format=reports&api=wgpolicyk8s.io/v1beta1", "api takes wgpolicyk8s.io/v1alpha2 or openreports.io/v1alpha1"],
      ["api=openreports.io/v1alpha1", "api applies to format=reports"],
    ] as const) {
      const res = await get(app, `/audit?${query}`);
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as { error: string }).error, query).toContain(error);
    }
  });
});
