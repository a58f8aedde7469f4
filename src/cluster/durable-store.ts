/**
 * The store on Workers: a SQLite-backed Durable Object per cluster name, reached over RPC. Each RPC method runs its
 * SQL synchronously in one transaction, so an observation, a sync or a lookup is one atomic step.
 */
import { DurableObject } from "cloudflare:workers";
import { type ClusterKind, type ClusterRecord, clusterKinds } from "./kinds.js";
import {
  type ClusterStore,
  type KindState,
  type LookupQuery,
  type ObserveOperation,
  type ObserveOutcome,
  type RecordTable,
  StoreCore,
  type StoreSummary,
  type StoredRow,
  type SyncBatch,
  type SyncOutcome,
} from "./store.js";
import type { Lookup, StorageClassRecord } from "./view.js";

type RowColumns = {
  kind: string;
  key: string;
  resource_version: string | null;
  seen_at: number;
  record: string | null;
};

class SqlTable implements RecordTable {
  readonly #storage: DurableObjectStorage;
  readonly #sql: SqlStorage;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
    this.#sql = storage.sql;
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS records (
      kind TEXT NOT NULL, key TEXT NOT NULL, resource_version TEXT, seen_at INTEGER NOT NULL,
      is_default INTEGER NOT NULL DEFAULT 0, record TEXT, PRIMARY KEY (kind, key))`);
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS kinds (
      kind TEXT PRIMARY KEY, synced_at INTEGER, overflow INTEGER NOT NULL DEFAULT 0)`);
  }

  get(kind: ClusterKind, key: string): StoredRow | undefined {
    const rows = this.#sql
      .exec<RowColumns>("SELECT kind, key, resource_version, seen_at, record FROM records WHERE kind = ? AND key = ?", kind, key)
      .toArray();
    const row = rows[0];
    if (!row) return undefined;
    return {
      kind,
      key,
      resourceVersion: row.resource_version,
      seenAt: row.seen_at,
      record: row.record === null ? null : (JSON.parse(row.record) as ClusterRecord),
    };
  }

  put(row: StoredRow): void {
    const isDefault = row.kind === "StorageClass" && (row.record as StorageClassRecord | null)?.isDefault === true;
    this.#sql.exec(
      `INSERT INTO records (kind, key, resource_version, seen_at, is_default, record) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (kind, key) DO UPDATE SET resource_version = excluded.resource_version, seen_at = excluded.seen_at,
       is_default = excluded.is_default, record = excluded.record`,
      row.kind,
      row.key,
      row.resourceVersion,
      row.seenAt,
      isDefault ? 1 : 0,
      row.record === null ? null : JSON.stringify(row.record),
    );
  }

  remove(kind: ClusterKind, key: string): void {
    this.#sql.exec("DELETE FROM records WHERE kind = ? AND key = ?", kind, key);
  }

  size(kind: ClusterKind): number {
    return this.#count("SELECT COUNT(*) AS n FROM records WHERE kind = ?", kind);
  }

  liveCount(kind: ClusterKind): number {
    return this.#count("SELECT COUNT(*) AS n FROM records WHERE kind = ? AND record IS NOT NULL", kind);
  }

  dropTombstones(kind: ClusterKind): void {
    this.#sql.exec("DELETE FROM records WHERE kind = ? AND record IS NULL", kind);
  }

  retainOnly(kind: ClusterKind, keep: ReadonlySet<string>, after: number): void {
    const rows = this.#sql.exec<{ key: string }>("SELECT key FROM records WHERE kind = ? AND seen_at <= ?", kind, after).toArray();
    for (const { key } of rows) {
      if (!keep.has(key)) this.remove(kind, key);
    }
  }

  defaultStorageClasses(): StorageClassRecord[] {
    return this.#sql
      .exec<{ record: string }>("SELECT record FROM records WHERE kind = 'StorageClass' AND is_default = 1 AND record IS NOT NULL")
      .toArray()
      .map((row) => JSON.parse(row.record) as StorageClassRecord);
  }

  state(kind: ClusterKind): KindState {
    const row = this.#sql
      .exec<{ synced_at: number | null; overflow: number }>("SELECT synced_at, overflow FROM kinds WHERE kind = ?", kind)
      .toArray()[0];
    return { syncedAt: row?.synced_at ?? null, overflow: row?.overflow === 1 };
  }

  setState(kind: ClusterKind, state: KindState): void {
    this.#sql.exec(
      `INSERT INTO kinds (kind, synced_at, overflow) VALUES (?, ?, ?)
       ON CONFLICT (kind) DO UPDATE SET synced_at = excluded.synced_at, overflow = excluded.overflow`,
      kind,
      state.syncedAt,
      state.overflow ? 1 : 0,
    );
  }

  transaction<T>(body: () => T): T {
    return this.#storage.transactionSync(body);
  }

  #count(query: string, kind: ClusterKind): number {
    return this.#sql.exec<{ n: number }>(query, kind).one().n;
  }
}

function checkKind(kind: unknown): ClusterKind {
  if (!clusterKinds.includes(kind as ClusterKind)) throw new TypeError(`not a cluster view kind: ${String(kind)}`);
  return kind as ClusterKind;
}

/** One cluster's store. The Worker names the instance after `STATEWARD_CLUSTER`. */
export class ClusterStoreObject extends DurableObject {
  readonly #core: StoreCore;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    this.#core = new StoreCore(new SqlTable(ctx.storage));
  }

  observe(kind: ClusterKind, record: ClusterRecord, operation: ObserveOperation, resourceVersion: string | null): ObserveOutcome {
    return this.#core.observe(checkKind(kind), record, operation, resourceVersion);
  }

  replace(batch: SyncBatch, graceMs?: number): SyncOutcome {
    return this.#core.replace(batch, graceMs);
  }

  summary(): StoreSummary {
    return this.#core.summary();
  }

  lookupAll(queries: readonly LookupQuery[]): Lookup<ClusterRecord | StorageClassRecord[]>[] {
    return this.#core.lookupAll(
      queries.map((q) => (q.kind === "DefaultStorageClasses" ? q : { kind: checkKind(q.kind), key: String(q.key) })),
    );
  }
}

/** The `ClusterStore` contract over a stub of the cluster's Durable Object: one RPC round trip per call. */
export function durableClusterStore(stub: DurableObjectStub<ClusterStoreObject>): ClusterStore {
  return {
    observe: (kind, record, operation, resourceVersion) =>
      stub.observe(kind, record, operation, resourceVersion) as Promise<ObserveOutcome>,
    replace: (batch, graceMs) => stub.replace(batch, graceMs) as Promise<SyncOutcome>,
    summary: () => stub.summary() as Promise<StoreSummary>,
    lookupAll: (queries) => stub.lookupAll(queries) as Promise<Lookup<ClusterRecord | StorageClassRecord[]>[]>,
  };
}
