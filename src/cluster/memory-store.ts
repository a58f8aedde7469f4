/** The store in process memory (Node, tests), with a snapshot for an on-disk copy. */
import { type ClusterKind, clusterKinds } from "./kinds.js";
import { type ClusterStore, type KindState, localClusterStore, type RecordTable, StoreCore, type StoreOptions, type StoredRow } from "./store.js";
import type { StorageClassRecord } from "./view.js";

/** What a memory store saves and loads; plain JSON. */
export interface StoreSnapshot {
  version: 1;
  rows: StoredRow[];
  states: Partial<Record<ClusterKind, KindState>>;
}

const neverSynced = (): KindState => ({ syncedAt: null, overflow: false });

export class MemoryTable implements RecordTable {
  readonly #rows = new Map<ClusterKind, Map<string, StoredRow>>(clusterKinds.map((k) => [k, new Map()]));
  readonly #states = new Map<ClusterKind, KindState>();

  #of(kind: ClusterKind): Map<string, StoredRow> {
    return this.#rows.get(kind)!;
  }
  get(kind: ClusterKind, key: string) {
    return this.#of(kind).get(key);
  }
  put(row: StoredRow) {
    this.#of(row.kind).set(row.key, row);
  }
  remove(kind: ClusterKind, key: string) {
    this.#of(kind).delete(key);
  }
  size(kind: ClusterKind) {
    return this.#of(kind).size;
  }
  liveCount(kind: ClusterKind) {
    let n = 0;
    for (const row of this.#of(kind).values()) if (row.record) n += 1;
    return n;
  }
  dropTombstones(kind: ClusterKind) {
    for (const [key, row] of this.#of(kind)) if (!row.record) this.#of(kind).delete(key);
  }
  retainOnly(kind: ClusterKind, keep: ReadonlySet<string>, after: number) {
    for (const [key, row] of this.#of(kind)) if (!keep.has(key) && row.seenAt <= after) this.#of(kind).delete(key);
  }
  defaultStorageClasses() {
    return [...this.#of("StorageClass").values()]
      .map((row) => row.record as StorageClassRecord | null)
      .filter((record): record is StorageClassRecord => record?.isDefault === true);
  }
  state(kind: ClusterKind) {
    return this.#states.get(kind) ?? neverSynced();
  }
  setState(kind: ClusterKind, state: KindState) {
    this.#states.set(kind, state);
  }
  transaction<T>(body: () => T): T {
    return body();
  }

  snapshot(): StoreSnapshot {
    return {
      version: 1,
      rows: clusterKinds.flatMap((kind) => [...this.#of(kind).values()]),
      states: Object.fromEntries(this.#states),
    };
  }

  load(snapshot: StoreSnapshot) {
    for (const kind of clusterKinds) this.#of(kind).clear();
    this.#states.clear();
    for (const row of snapshot.rows) if (clusterKinds.includes(row.kind)) this.put(row);
    for (const kind of clusterKinds) {
      const state = snapshot.states[kind];
      if (state) this.#states.set(kind, state);
    }
  }
}

export interface MemoryClusterStore extends ClusterStore {
  table: MemoryTable;
}

/** A store in memory; `onChange` runs after every write (the Node server saves the state file from it). */
export function memoryClusterStore(options: StoreOptions & { onChange?: () => void } = {}): MemoryClusterStore {
  const table = new MemoryTable();
  const store = localClusterStore(new StoreCore(table, options));
  const changed = <A extends unknown[], R>(write: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const result = await write(...args);
      options.onChange?.();
      return result;
    };
  return { ...store, observe: changed(store.observe), replace: changed(store.replace), table };
}
