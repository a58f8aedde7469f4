/** The Node store's on-disk copy: a restart loses nothing, writes are atomic and coalesced. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { clusterViewOf } from "../../src/cluster/store.js";
import { persistentClusterStore } from "../../src/node/state-file.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "stateward-state-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const web = { namespace: "default", name: "web", clusterIP: "None", selector: { app: "nginx" } };

describe("the state file", () => {
  it("brings the cluster view back after a restart", async () => {
    const path = join(dir, "state.json");
    const first = persistentClusterStore(path, { debounceMs: 10_000 });
    await first.store.replace({ Service: [web, { ...web, name: "gone" }], StorageClass: [] });
    await first.store.observe("Service", { ...web, name: "gone" }, "delete");
    await first.flush();

    const second = persistentClusterStore(path);
    const view = clusterViewOf(second.store);
    expect(await view.get("Service", "default", "web")).toEqual({ state: "found", value: web });
    expect(await view.get("Service", "default", "gone")).toEqual({ state: "not-found" });
    expect(await view.get("StorageClass", "", "fast")).toEqual({ state: "not-found" });
    // StatefulSets were never synced, and still are not.
    expect((await view.get("StatefulSet", "default", "web")).state).toBe("unknown");
    // The observed deletion survived as a tombstone: a PUT /inventory whose List may predate it does not revive it.
    await second.store.replace({ Service: [web, { ...web, name: "gone" }] }, 60_000);
    expect(await view.get("Service", "default", "gone")).toEqual({ state: "not-found" });
  });

  it("coalesces a burst of changes into one write, through a temporary file renamed into place", async () => {
    const path = join(dir, "state.json");
    const { store, flush } = persistentClusterStore(path, { debounceMs: 50 });
    for (let i = 0; i < 100; i += 1) await store.observe("Service", { ...web, name: `svc-${i}` }, "upsert");
    expect(readdirSync(dir)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 120));
    await flush();
    expect(readdirSync(dir)).toEqual(["state.json"]);
    expect(JSON.parse(readFileSync(path, "utf8")).rows).toHaveLength(100);
  });

  it("starts empty, and says so, when the file is unreadable", async () => {
    const path = join(dir, "state.json");
    writeFileSync(path, '{"version": 2, "rows": [{"kind": "Pod"}]');
    const lines: Record<string, unknown>[] = [];
    const { store } = persistentClusterStore(path, { log: (line) => lines.push(line) });
    expect((await clusterViewOf(store).get("Service", "default", "web")).state).toBe("unknown");
    expect(lines).toEqual([expect.objectContaining({ level: "error", msg: "the state file is unreadable; starting with an empty cluster view" })]);
  });
});
