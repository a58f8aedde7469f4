/** The store's contract on the SQLite-backed Durable Object, inside workerd: the same sequences as on Node. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ClusterBindings } from "../../src/worker/bindings.js";
import { durableClusterStore } from "../../src/worker/durable-store.js";
import { kindInfo } from "../../src/cluster/kinds.js";
import { openSync, stageSyncPage } from "../../src/cluster/ingest.js";
import { storeContract } from "./store-contract.js";

const namespace = (env as unknown as ClusterBindings).CLUSTER!;
/** Each test gets its own instance, named at random. */
const fresh = () => durableClusterStore(namespace.get(namespace.idFromName(`contract-${crypto.randomUUID()}`)));

describe("the store's contract, on the Durable Object", () => {
  storeContract({ fresh });

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
