/**
 * The cluster store: one contract behind every source (observation, inventory sync, watch) and every runtime (a
 * Durable Object on Workers, a Map on Node). The semantics live here once, in `StoreCore`, over a small synchronous
 * table that each runtime backs with its own storage.
 */
import { type ClusterKind, type ClusterRecord, clusterKinds, kindInfo, keyOf, namespacedKey } from "./kinds.js";
import {
  type ClusterView,
  type Lookup,
  type ServiceRecord,
  type StatefulSetRecord,
  type StorageClassRecord,
  unknown,
} from "./view.js";

export type ObserveOperation = "upsert" | "delete";

/** What an observation did: `stale` when an older resourceVersion lost to a newer one already held. */
export type ObserveOutcome = "stored" | "removed" | "stale" | "full";

export interface SyncItem {
  record: ClusterRecord;
  resourceVersion: string | null;
}

/** The kinds a sync replaces; a kind given with no items is known to be empty, a kind left out is untouched. */
export type SyncBatch = Partial<Record<ClusterKind, SyncItem[]>>;

export interface SyncOutcome {
  /** Records now held per replaced kind. */
  counts: Partial<Record<ClusterKind, number>>;
  /** Held records whose resourceVersion was newer than the listed one, so they were kept. */
  keptNewer: number;
  /** Kinds with more objects than the store holds: their misses answer unknown, not "not found". */
  truncated: ClusterKind[];
  syncedAt: string;
}

export interface KindSummary {
  count: number;
  /** When the kind was last replaced by a sync; null means never, so its misses are unknown. */
  syncedAt: string | null;
  complete: boolean;
}

export interface StoreSummary {
  kinds: Record<ClusterKind, KindSummary>;
  lastSyncAt: string | null;
}

export interface ClusterStore {
  /** Records an object seen in a change (`upsert`: the new object; `delete`: the old one). */
  observe(kind: ClusterKind, record: ClusterRecord, operation: ObserveOperation, resourceVersion: string | null): Promise<ObserveOutcome>;
  /**
   * Replaces everything held for each kind in `batch`, except objects observed in the last `graceMs` (and since the
   * previous sync) that the batch does not list.
   */
  replace(batch: SyncBatch, graceMs?: number): Promise<SyncOutcome>;
  summary(): Promise<StoreSummary>;
  /** Answers several lookups in one call (on Workers, one round trip to the Durable Object), in the queries' order. */
  lookupAll(queries: readonly LookupQuery[]): Promise<Lookup<ClusterRecord | StorageClassRecord[]>[]>;
}

/** One object by kind and key (`namespace/name`, or the name of a cluster-scoped object), or the default classes. */
export type LookupQuery = { kind: ClusterKind; key: string } | { kind: "DefaultStorageClasses" };

/** One stored row; a null record is a tombstone that keeps a deletion's resourceVersion against late observations. */
export interface StoredRow {
  kind: ClusterKind;
  key: string;
  resourceVersion: string | null;
  /** Epoch milliseconds of the observation or sync that wrote the row. */
  seenAt: number;
  record: ClusterRecord | null;
}

export interface KindState {
  /** Epoch milliseconds of the last sync; null before the first. */
  syncedAt: number | null;
  /** The kind hit the size bound since its last sync. */
  overflow: boolean;
}

/** The storage a runtime provides; every call is synchronous so a store operation is one atomic step. */
export interface RecordTable {
  get(kind: ClusterKind, key: string): StoredRow | undefined;
  put(row: StoredRow): void;
  remove(kind: ClusterKind, key: string): void;
  /** Rows of `kind`, tombstones included. */
  size(kind: ClusterKind): number;
  /** Rows of `kind` holding a record. */
  liveCount(kind: ClusterKind): number;
  dropTombstones(kind: ClusterKind): void;
  /** Removes the rows of `kind` that are neither in `keep` nor written after `after` (epoch ms). */
  retainOnly(kind: ClusterKind, keep: ReadonlySet<string>, after: number): void;
  defaultStorageClasses(): StorageClassRecord[];
  state(kind: ClusterKind): KindState;
  setState(kind: ClusterKind, state: KindState): void;
  transaction<T>(body: () => T): T;
}

/**
 * How long an observation outranks an inventory that does not list its object. The List of a `PUT /inventory` was
 * taken before the request that carries it (the CronJob's kubectl, then curl): an object created in between is
 * observed, then missing from the List, and must not be dropped until the next sync. (An informer's relist is
 * current and needs no grace.)
 */
export const observationGraceMs = 60_000;

/** The default bound per kind: far above real clusters, small enough for a Durable Object or a Node heap. */
export const defaultMaxRecordsPerKind = 50_000;

const numeric = /^\d{1,40}$/;

/**
 * Orders two resourceVersions: etcd's are integers, compared as such; anything else is opaque, so the later
 * observation counts as newer. Returns true when `incoming` is older than `held`.
 */
export function olderThan(incoming: string | null, held: string | null, strict: boolean): boolean {
  if (incoming === null || held === null || !numeric.test(incoming) || !numeric.test(held)) return false;
  const a = BigInt(incoming);
  const b = BigInt(held);
  return strict ? a <= b : a < b;
}

export interface StoreOptions {
  maxRecordsPerKind?: number;
  now?: () => number;
}

/** The store's semantics over any `RecordTable`. */
export class StoreCore {
  readonly #table: RecordTable;
  readonly #max: number;
  readonly #now: () => number;

  constructor(table: RecordTable, options: StoreOptions = {}) {
    this.#table = table;
    this.#max = options.maxRecordsPerKind ?? defaultMaxRecordsPerKind;
    this.#now = options.now ?? Date.now;
  }

  observe(kind: ClusterKind, record: ClusterRecord, operation: ObserveOperation, resourceVersion: string | null): ObserveOutcome {
    const table = this.#table;
    return table.transaction(() => {
      const key = keyOf(kind, record);
      const held = table.get(kind, key);
      // An admission request carries the version the change starts from: an update sent against a deleted version
      // (a tombstone's) is late, while one sent against a held record's version makes that record older.
      if (held && olderThan(resourceVersion, held.resourceVersion, held.record === null)) return "stale";
      const row: StoredRow = {
        kind,
        key,
        resourceVersion,
        seenAt: this.#now(),
        record: operation === "delete" ? null : record,
      };
      if (!held && !this.#room(kind)) {
        if (operation === "delete") return "removed";
        table.setState(kind, { ...table.state(kind), overflow: true });
        return "full";
      }
      table.put(row);
      return operation === "delete" ? "removed" : "stored";
    });
  }

  replace(batch: SyncBatch, graceMs = 0): SyncOutcome {
    const table = this.#table;
    return table.transaction(() => {
      const now = this.#now();
      const counts: Partial<Record<ClusterKind, number>> = {};
      const truncated: ClusterKind[] = [];
      let keptNewer = 0;
      for (const kind of clusterKinds) {
        const items = batch[kind];
        if (!items) continue;
        const keep = new Set<string>();
        let overflow = false;
        for (const { record, resourceVersion } of items) {
          const key = keyOf(kind, record);
          if (!keep.has(key) && keep.size >= this.#max) {
            overflow = true;
            continue;
          }
          keep.add(key);
          const held = table.get(kind, key);
          if (held && olderThan(resourceVersion, held.resourceVersion, held.record === null)) {
            keptNewer += 1;
            continue;
          }
          table.put({ kind, key, resourceVersion, seenAt: now, record });
        }
        // Only observations since the previous sync count: rows that sync wrote are what this one replaces.
        const previous = table.state(kind).syncedAt;
        table.retainOnly(kind, keep, Math.max(now - graceMs, previous ?? 0));
        table.setState(kind, { syncedAt: now, overflow });
        counts[kind] = table.liveCount(kind);
        if (overflow) truncated.push(kind);
      }
      return { counts, keptNewer, truncated, syncedAt: new Date(now).toISOString() };
    });
  }

  summary(): StoreSummary {
    const kinds = {} as Record<ClusterKind, KindSummary>;
    let last: number | null = null;
    for (const kind of clusterKinds) {
      const { syncedAt, overflow } = this.#table.state(kind);
      kinds[kind] = {
        count: this.#table.liveCount(kind),
        syncedAt: syncedAt === null ? null : new Date(syncedAt).toISOString(),
        complete: syncedAt !== null && !overflow,
      };
      if (syncedAt !== null && (last === null || syncedAt > last)) last = syncedAt;
    }
    return { kinds, lastSyncAt: last === null ? null : new Date(last).toISOString() };
  }

  lookup(kind: ClusterKind, key: string): Lookup<ClusterRecord> {
    const row = this.#table.get(kind, key);
    if (row?.record) return { state: "found", value: row.record };
    return this.#miss(kind) ?? { state: "not-found" };
  }

  defaultStorageClasses(): Lookup<StorageClassRecord[]> {
    return this.#miss("StorageClass") ?? { state: "found", value: this.#table.defaultStorageClasses() };
  }

  lookupAll(queries: readonly LookupQuery[]): Lookup<ClusterRecord | StorageClassRecord[]>[] {
    return queries.map((query) => (query.kind === "DefaultStorageClasses" ? this.defaultStorageClasses() : this.lookup(query.kind, query.key)));
  }

  /** Why a miss cannot be called "not found", if it cannot. */
  #miss(kind: ClusterKind): Lookup<never> | undefined {
    const { syncedAt, overflow } = this.#table.state(kind);
    const { plural } = kindInfo[kind];
    if (syncedAt === null) return unknown(`${plural} have not been synced to the cluster view yet (PUT /inventory)`);
    if (overflow) return unknown(`the cluster view holds only the first ${this.#max} ${plural}`);
    return undefined;
  }

  #room(kind: ClusterKind): boolean {
    if (this.#table.size(kind) < this.#max) return true;
    this.#table.dropTombstones(kind);
    return this.#table.size(kind) < this.#max;
  }
}

/** A `ClusterStore` over a `StoreCore` in the same process. */
export function localClusterStore(core: StoreCore): ClusterStore {
  return {
    observe: async (kind, record, operation, resourceVersion) => core.observe(kind, record, operation, resourceVersion),
    replace: async (batch, graceMs) => core.replace(batch, graceMs),
    summary: async () => core.summary(),
    lookupAll: async (queries) => core.lookupAll(queries),
  };
}

interface PendingLookup {
  query: LookupQuery;
  resolve(answer: Lookup<unknown>): void;
  reject(error: unknown): void;
}

/**
 * The rules' view of a store. The rules ask concurrently; lookups asked in the same turn of the microtask queue go to
 * the store as one `lookupAll`, so a review that checks a Service and two storage classes costs the Worker one
 * round trip to its Durable Object instead of three.
 */
export function clusterViewOf(store: ClusterStore): ClusterView {
  let pending: PendingLookup[] = [];
  const flush = () => {
    const batch = pending;
    pending = [];
    store.lookupAll(batch.map((p) => p.query)).then(
      (answers) => {
        batch.forEach((p, i) => p.resolve(answers[i] ?? unknown("the cluster store gave no answer for this lookup")));
      },
      (error: unknown) => {
        for (const p of batch) p.reject(error);
      },
    );
  };
  const ask = <T>(query: LookupQuery) =>
    new Promise<Lookup<T>>((resolve, reject) => {
      pending.push({ query, resolve: resolve as (answer: Lookup<unknown>) => void, reject });
      if (pending.length === 1) queueMicrotask(flush);
    });
  return {
    service: (namespace, name) => ask<ServiceRecord>({ kind: "Service", key: namespacedKey(namespace, name) }),
    storageClass: (name) => ask<StorageClassRecord>({ kind: "StorageClass", key: name }),
    defaultStorageClasses: () => ask<StorageClassRecord[]>({ kind: "DefaultStorageClasses" }),
    statefulSet: (namespace, name) => ask<StatefulSetRecord>({ kind: "StatefulSet", key: namespacedKey(namespace, name) }),
  };
}
