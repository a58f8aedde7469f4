/** The store's contract on the SQLite-backed Durable Object, inside workerd: the same sequences as on Node. */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ClusterStore } from "../../src/cluster/store.js";
import type { ClusterBindings } from "../../src/worker/bindings.js";
import { addCopyColumns, type ClusterStoreObject, durableClusterStore } from "../../src/worker/durable-store.js";
import { kindInfo } from "../../src/cluster/kinds.js";
import { openSync, stageSyncPage, syncInventory } from "../../src/cluster/ingest.js";
import { storeContract } from "./store-contract.js";

const namespace = (env as unknown as ClusterBindings).CLUSTER!;
const stubs = new WeakMap<ClusterStore, DurableObjectStub<ClusterStoreObject>>();

/** Each test gets its own instance, named at random. */
function fresh(): ClusterStore {
  const stub = namespace.get(namespace.idFromName(`contract-${crypto.randomUUID()}`));
  const store = durableClusterStore(stub);
  stubs.set(store, stub);
  return store;
}

const stagedRows = (stub: DurableObjectStub<ClusterStoreObject>) =>
  runInDurableObject(stub, (_, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sync_staged").one().n);

/** Moves the sessions' expiry into the past (the clock cannot be moved in workerd), then runs the object's alarm. */
async function expireSessions(store: ClusterStore): Promise<void> {
  const stub = stubs.get(store)!;
  expect(await stagedRows(stub)).toBeGreaterThan(0);
  await runInDurableObject(stub, (_, state) => {
    state.storage.sql.exec("UPDATE sync_sessions SET expires_at = 0, body = json_set(body, '$.expiresAt', 0)");
  });
  expect(await runDurableObjectAlarm(stub)).toBe(true);
  // The alarm alone deleted the staged rows.
  expect(await stagedRows(stub)).toBe(0);
}

describe("the store's contract, on the Durable Object", () => {
  storeContract({ fresh, expireSessions });

  it("counts without scanning: a summary reads the kept counts, which match the rows after bulk commits", async () => {
    const store = fresh();
    const opened = await openSync(store, { kinds: ["Service"] });
    if (!opened.ok) throw new Error(opened.error);
    for (let page = 0; page < 3; page += 1) {
      const records = Array.from({ length: 400 }, (_, i) =>
        kindInfo.Service.record({ metadata: { namespace: `ns-${page}`, name: `svc-${i}` }, spec: { clusterIP: "None" } }, "default"),
      );
      expect(await stageSyncPage(store, opened.session, { kind: "Service", records })).toMatchObject({ ok: true });
    }
    expect(await store.commitSync(opened.session)).toMatchObject({ ok: true, sync: { counts: { Service: 1200 } } });
    expect((await store.summary()).kinds.Service).toMatchObject({ count: 1200, complete: true });
  });

  it("keeps a record's audit copy once, as its own text in a column of its own, which lookups do not read", async () => {
    const store = fresh();
    const set = { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { namespace: "db", name: "pg", uid: "uid-pg" }, spec: { serviceName: "pg" } };
    expect(await syncInventory(store, { apiVersion: "v1", kind: "List", items: [set] })).toMatchObject({ ok: true });
    const row = await runInDurableObject(stubs.get(store)!, (_, state) =>
      state.storage.sql.exec<{ record: string; audit_copy: string }>("SELECT record, audit_copy FROM view_rows WHERE kind = 'StatefulSet'").one(),
    );
    expect(JSON.parse(row.record)).not.toHaveProperty("audit");
    expect(JSON.parse(row.audit_copy)).toEqual({ ...set, metadata: set.metadata });
    const page = await store.records("StatefulSet", null, 10);
    expect(page.records).toEqual([expect.objectContaining({ name: "pg", audit: { json: row.audit_copy } })]);
  });

  it("moves the copies of rows written before the copy columns out of their records", async () => {
    const store = fresh();
    await store.summary();
    const moved = await runInDurableObject(stubs.get(store)!, (_, state) => {
      const sql = state.storage.sql;
      sql.exec("ALTER TABLE view_rows DROP COLUMN audit_copy");
      sql.exec("ALTER TABLE view_rows DROP COLUMN audit_note");
      const record = (name: string, audit: unknown) => JSON.stringify({ namespace: "db", name, storageClassName: null, storage: null, accessModes: [], volumeName: null, audit });
      sql.exec("INSERT INTO view_rows (kind, key, observed_at, record) VALUES ('PersistentVolumeClaim', 'db/a', NULL, ?)", record("a", { json: '{"kind":"PersistentVolumeClaim"}' }));
      sql.exec("INSERT INTO view_rows (kind, key, observed_at, record) VALUES ('PersistentVolumeClaim', 'db/b', NULL, ?)", record("b", { tooLargeBytes: 20000, uid: "u" }));
      sql.exec("INSERT INTO view_rows (kind, key, observed_at, record) VALUES ('Service', 'db/c', NULL, ?)", JSON.stringify({ namespace: "db", name: "c", clusterIP: null, selector: null }));
      addCopyColumns(sql, "view_rows");
      return sql.exec<{ key: string; record: string; audit_copy: string | null; audit_note: string | null }>("SELECT key, record, audit_copy, audit_note FROM view_rows ORDER BY key").toArray();
    });
    expect(moved.map((r) => ({ ...r, record: JSON.parse(r.record) }))).toEqual([
      { key: "db/a", record: expect.not.objectContaining({ audit: expect.anything() }), audit_copy: '{"kind":"PersistentVolumeClaim"}', audit_note: null },
      { key: "db/b", record: expect.not.objectContaining({ audit: expect.anything() }), audit_copy: null, audit_note: '{"tooLargeBytes":20000,"uid":"u"}' },
      { key: "db/c", record: { namespace: "db", name: "c", clusterIP: null, selector: null }, audit_copy: null, audit_note: null },
    ]);
    const page = await store.records("PersistentVolumeClaim", null, 10);
    expect(page.records.map((r) => (r as { audit?: unknown }).audit)).toEqual([{ json: '{"kind":"PersistentVolumeClaim"}' }, { tooLargeBytes: 20000, uid: "u" }]);
  });
});
