/** The store's contract on the SQLite-backed Durable Object, inside workerd: the same sequences as on Node. */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ClusterStore } from "../../src/cluster/store.js";
import type { ClusterBindings } from "../../src/worker/bindings.js";
import { type ClusterStoreObject, durableClusterStore } from "../../src/worker/durable-store.js";
import { kindInfo } from "../../src/cluster/kinds.js";
import { openSync, stageSyncPage } from "../../src/cluster/ingest.js";
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
});
