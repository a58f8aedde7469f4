/**
 * The audit of the cluster view's store: every StatefulSet and claim the store holds, judged from the pruned copy it
 * keeps of each, page by page, through the same review as admission; reports that the PolicyReport CRD accepts.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { type AuditedObject, policyReports } from "../../src/audit/policy-report.js";
import { auditStore, auditWholeStore, reviewedTogether } from "../../src/audit/audit.js";
import { syncInventory } from "../../src/cluster/ingest.js";
import { memoryClusterStore } from "../../src/cluster/memory-store.js";
import { recordOf } from "../../src/cluster/kinds.js";
import { maxAuditCopyBytes } from "../../src/cluster/records.js";
import { clusterViewOf } from "../../src/cluster/store.js";
import { loadPolicy } from "../../src/policy/policy.js";
import { expectValidReports } from "./crd.js";

const seeds = path.resolve(import.meta.dirname, "../fixtures/seeds");
const documents = (file: string) => parseAllDocuments(readFileSync(path.join(seeds, file), "utf8")).map((d) => d.toJS());

/** The seed's web StatefulSet, Services and claims in `namespace`, as a cluster lists them (uids, managedFields). */
function webIn(namespace: string) {
  return [...documents("000-web.yaml"), ...documents("000-web-pvc.yaml")].map((object, i) => ({
    ...object,
    metadata: {
      ...object.metadata,
      namespace,
      uid: `${namespace}-${i}`,
      annotations: { "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify(object) },
      managedFields: [{ manager: "kubectl", operation: "Update", fieldsV1: { "f:spec": {} } }],
    },
  }));
}

function cluster() {
  const shop = webIn("shop");
  const broken = structuredClone(shop.find((o) => o.kind === "StatefulSet"));
  broken.metadata = { ...broken.metadata, name: "broken", namespace: "billing", uid: "uid-broken" };
  delete broken.spec.selector;
  const huge = structuredClone(broken);
  huge.metadata = { name: "huge", namespace: "billing", uid: "uid-huge", annotations: { notes: "n".repeat(maxAuditCopyBytes) } };
  const system = { ...structuredClone(broken), metadata: { name: "exempt", namespace: "kube-system" } };
  const storageClass = { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "my-storage-class" }, provisioner: "ebs.csi.aws.com" };
  return { apiVersion: "v1", kind: "List", items: [...shop, broken, huge, system, storageClass] };
}

async function filledStore() {
  const store = memoryClusterStore();
  const synced = await syncInventory(store, cluster());
  if (!synced.ok) throw new Error(synced.error);
  return store;
}

const policy = loadPolicy("exemptions:\n  namespaces: [kube-system]\n");
if (!policy.ok) throw new Error(policy.error);

describe("the store's copies of audited objects", () => {
  it("keep metadata and spec without managedFields, the last-applied annotation or status; lookups leave them out", async () => {
    const [statefulSet] = cluster().items.filter((o: any) => o.kind === "StatefulSet");
    const record = recordOf("StatefulSet", { ...statefulSet, status: { replicas: 2 } }) as any;
    const copy = JSON.parse(record.audit.json);
    expect(copy).toEqual({
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "web", namespace: "shop", uid: statefulSet.metadata.uid },
      spec: statefulSet.spec,
    });
    const store = await filledStore();
    const found = await clusterViewOf(store).get("StatefulSet", "shop", "web");
    expect(found).toMatchObject({ state: "found", value: { name: "web" } });
    expect(found.state === "found" && "audit" in found.value).toBe(false);
    expect(recordOf("StatefulSet", cluster().items.find((o: any) => o.metadata.name === "huge"))).toMatchObject({
      audit: { tooLargeBytes: expect.any(Number) },
    });
  });
});

describe("the memory store's budget for audit copies", () => {
  const statefulSetNamed = (name: string, uid: string) => ({
    ...structuredClone(cluster().items.find((o: any) => o.kind === "StatefulSet")),
    metadata: { name, namespace: "shop", uid },
  });
  const copyLength = (recordOf("StatefulSet", statefulSetNamed("a", "uid-a")) as any).audit.json.length as number;

  it("keeps copies up to the budget, then only their size and uid, and reports those objects as not audited", async () => {
    const store = memoryClusterStore({ auditCopyBudgetBytes: copyLength * 2 + copyLength / 2 });
    for (const name of ["a", "b", "c"]) await store.observe("StatefulSet", recordOf("StatefulSet", statefulSetNamed(name, `uid-${name}`))!, "upsert");
    expect(store.table.auditCopyBytes).toBe(copyLength * 2);
    const audit = await auditWholeStore(store, { policy: policy.policy, cluster: clusterViewOf(store) });
    const byName = new Map(audit.objects.map((o: any) => [o.name, o]));
    expect(byName.get("a").notAudited).toBeUndefined();
    expect(byName.get("b").notAudited).toBeUndefined();
    expect(byName.get("c")).toMatchObject({ uid: "uid-c", notAudited: expect.stringContaining("--audit-memory") });
  });

  it("frees what a deleted or replaced copy held, so later objects fit again", async () => {
    const store = memoryClusterStore({ auditCopyBudgetBytes: copyLength * 2 });
    const record = (name: string) => recordOf("StatefulSet", statefulSetNamed(name, `uid-${name}`))!;
    await store.observe("StatefulSet", record("a"), "upsert");
    await store.observe("StatefulSet", record("b"), "upsert");
    await store.observe("StatefulSet", record("a"), "upsert");
    expect(store.table.auditCopyBytes).toBe(copyLength * 2);
    await store.observe("StatefulSet", record("b"), "delete");
    expect(store.table.auditCopyBytes).toBe(copyLength);
    await store.observe("StatefulSet", record("c"), "upsert");
    expect(store.table.get("StatefulSet", "shop/c")?.record).toMatchObject({ audit: { json: expect.any(String) } });
    expect(store.table.auditCopyBytes).toBe(copyLength * 2);
  });

  it("a budget of 0 keeps no copy at all", async () => {
    const store = memoryClusterStore({ auditCopyBudgetBytes: 0 });
    await store.observe("StatefulSet", recordOf("StatefulSet", statefulSetNamed("a", "uid-a"))!, "upsert");
    expect(store.table.auditCopyBytes).toBe(0);
    expect(store.table.get("StatefulSet", "shop/a")?.record).toMatchObject({ audit: { omittedBytes: copyLength, uid: "uid-a" } });
  });
});

describe("auditStore", () => {
  it("pages through StatefulSets then claims, and every page's objects are judged as admission judges them", async () => {
    const store = await filledStore();
    const context = { policy: policy.policy, cluster: clusterViewOf(store) };
    const seen: AuditedObject[] = [];
    const tokens: (string | null)[] = [];
    let token: string | undefined;
    let exempt = 0;
    for (let page = 0; page < 20; page += 1) {
      const answer = await auditStore(store, context, { limit: 2, ...(token === undefined ? {} : { continue: token }) });
      if (!answer.ok) throw new Error(answer.error);
      expect(answer.audit.objects.length + answer.audit.exempt).toBeLessThanOrEqual(2);
      seen.push(...answer.audit.objects);
      exempt += answer.audit.exempt;
      tokens.push(answer.audit.continue);
      if (answer.audit.continue === null) break;
      token = answer.audit.continue;
    }
    expect(tokens.at(-1)).toBeNull();
    expect(exempt).toBe(1);
    expect(seen.map((o) => `${o.kind} ${o.namespace}/${o.name}`)).toEqual([
      "StatefulSet billing/broken",
      "StatefulSet billing/huge",
      "StatefulSet shop/web",
      "PersistentVolumeClaim shop/www-web-0",
      "PersistentVolumeClaim shop/www-web-1",
    ]);
    const whole = await auditWholeStore(store, context);
    expect(whole.objects).toEqual(seen);
    expect(whole.view.StatefulSet).toMatchObject({ count: 4, complete: true });

    const broken = seen.find((o) => o.name === "broken")!;
    expect(broken.uid).toBe("uid-broken");
    expect(broken.findings).toContainEqual(expect.objectContaining({ ruleId: "statefulset-selector", action: "deny", path: "spec.selector" }));
    expect(broken.rules.map((r) => r.id)).toContain("statefulset-headless-service");
    const web = seen.find((o) => o.name === "web")!;
    expect(web.findings.some((f) => f.action === "deny")).toBe(false);
    expect(seen.find((o) => o.name === "huge")!.notAudited).toMatch(/^too large: \d+ bytes/);
  });

  it("lets the event loop run between chunks of a page, so a Node server's reviews do not wait for the whole page", async () => {
    const store = memoryClusterStore();
    const web = cluster().items.find((o: any) => o.kind === "StatefulSet" && o.metadata.name === "web");
    const items = Array.from({ length: reviewedTogether + 50 }, (_, i) => ({ ...web, metadata: { ...web.metadata, name: `web-${i}` } }));
    const synced = await syncInventory(store, { apiVersion: "v1", kind: "List", items });
    if (!synced.ok) throw new Error(synced.error);
    let timerRan = false;
    setTimeout(() => (timerRan = true), 0);
    const page = await auditStore(store, { policy: policy.policy, cluster: clusterViewOf(store) }, { limit: items.length });
    expect(page.ok && page.audit.objects.length).toBe(items.length);
    // Without a yield the whole page resolves in microtasks, before any timer.
    expect(timerRan).toBe(true);
    let smallPageTimer = false;
    setTimeout(() => (smallPageTimer = true), 0);
    await auditStore(store, { policy: policy.policy, cluster: clusterViewOf(store) }, { limit: reviewedTogether });
    expect(smallPageTimer).toBe(false);
  });

  it("refuses a continue token it did not give", async () => {
    const store = await filledStore();
    const context = { policy: policy.policy, cluster: clusterViewOf(store) };
    for (const bad of ["x", "7:a/b", ":a", "-1:"]) {
      expect(await auditStore(store, context, { limit: 10, continue: bad })).toMatchObject({ ok: false, error: expect.stringContaining("continue") });
    }
  });

  it("gives PolicyReports the CRD accepts: a skip result for the object too large to keep", async () => {
    const store = await filledStore();
    const { objects } = await auditWholeStore(store, { policy: policy.policy, cluster: clusterViewOf(store) });
    const reports = policyReports(objects, new Date("2026-12-01T00:00:00Z"));
    expectValidReports(reports);
    expect(reports.map((r) => r.metadata.namespace)).toEqual(["billing", "shop"]);
    const billing = reports[0]!;
    expect(billing.results).toContainEqual(
      expect.objectContaining({ policy: "not-audited", result: "skip", resources: [expect.objectContaining({ name: "huge", uid: "uid-huge" })] }),
    );
    expect(billing.results).toContainEqual(
      expect.objectContaining({ policy: "statefulset-selector", result: "fail", resources: [expect.objectContaining({ name: "broken", uid: "uid-broken" })] }),
    );
  });
});
