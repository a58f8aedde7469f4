/** The store in process memory (Node, tests), with a snapshot for an on-disk copy. */
import { type ClusterKind, type ClusterRecord, clusterKinds } from "./kinds.js";
import {
  type CommittedSync,
  type KindState,
  localClusterStore,
  observedSince,
  type RecordTable,
  type SessionRow,
  StoreCore,
  type StoreOptions,
  type StoredRow,
  type WatchedStore,
} from "./store.js";
import type { AuditCopy } from "./view.js";

/** What a memory store saves and loads; plain JSON. Open sync sessions are not saved: a restart abandons them. */
export interface StoreSnapshot {
  version: 2;
  rows: StoredRow[];
  states: Partial<Record<ClusterKind, KindState>>;
}

const neverSynced = (): KindState => ({ syncedAt: null, listedAt: null, overflow: false });

/** The bytes of JSON text a record's audit copy holds on the heap (one-byte strings: a byte a character). */
function copyBytes(record: ClusterRecord | null | undefined): number {
  const audit = (record as { audit?: AuditCopy } | null | undefined)?.audit;
  return audit && "json" in audit ? audit.json.length : 0;
}

/** The copy's uid, read once when the copy is left out, so the audit can still name the object it did not judge. */
function uidOf(json: string): string | undefined {
  try {
    const uid = (JSON.parse(json) as { metadata?: { uid?: unknown } }).metadata?.uid;
    return typeof uid === "string" ? uid : undefined;
  } catch {
    return undefined;
  }
}

export interface MemoryTableOptions {
  /**
   * The most bytes of audit copies the table holds; past it a record keeps its copy's size instead. The audit's
   * copies cost ~2 KiB per StatefulSet or claim: without a bound, 50,000 of each would outgrow the server's heap,
   * and a webhook that runs out of memory fails every write it should judge. Unbounded by default (tests, the CLI).
   */
  auditCopyBudgetBytes?: number;
}

interface KindRows {
  rows: Map<string, StoredRow>;
  live: number;
}

export class MemoryTable implements RecordTable {
  readonly #kinds = new Map<ClusterKind, KindRows>(clusterKinds.map((k) => [k, { rows: new Map(), live: 0 }]));
  readonly #states = new Map<ClusterKind, KindState>();
  /** Staged records as the JSON text the store counted when it gave one, so the heap they take is what was bounded. */
  readonly #sessions = new Map<string, { row: SessionRow; staged: Map<ClusterKind, Map<string, ClusterRecord | string>> }>();
  readonly #committed = new Map<string, CommittedSync>();
  readonly #auditBudget: number;
  #auditBytes = 0;

  constructor(options: MemoryTableOptions = {}) {
    this.#auditBudget = options.auditCopyBudgetBytes ?? Number.POSITIVE_INFINITY;
  }

  /** Bytes of audit copies held now. */
  get auditCopyBytes(): number {
    return this.#auditBytes;
  }

  #of(kind: ClusterKind): KindRows {
    return this.#kinds.get(kind)!;
  }
  get(kind: ClusterKind, key: string) {
    return this.#of(kind).rows.get(key);
  }
  put(row: StoredRow) {
    const of = this.#of(row.kind);
    const held = of.rows.get(row.key);
    of.live += (row.record ? 1 : 0) - (held?.record ? 1 : 0);
    const freed = copyBytes(held?.record);
    let added = copyBytes(row.record);
    if (added > 0 && this.#auditBytes - freed + added > this.#auditBudget) {
      const uid = uidOf((row.record as { audit: { json: string } }).audit.json);
      row = { ...row, record: { ...row.record!, audit: uid ? { omittedBytes: added, uid } : { omittedBytes: added } } };
      added = 0;
    }
    this.#auditBytes += added - freed;
    of.rows.set(row.key, row);
  }
  remove(kind: ClusterKind, key: string) {
    const of = this.#of(kind);
    const held = of.rows.get(key);
    if (!held) return;
    if (held.record) of.live -= 1;
    this.#auditBytes -= copyBytes(held.record);
    of.rows.delete(key);
  }
  size(kind: ClusterKind) {
    return this.#of(kind).rows.size;
  }
  liveCount(kind: ClusterKind) {
    return this.#of(kind).live;
  }
  dropTombstones(kind: ClusterKind) {
    const { rows } = this.#of(kind);
    for (const [key, row] of rows) if (!row.record) rows.delete(key);
  }
  list(kind: ClusterKind, namespace: string, limit: number) {
    const found: ClusterRecord[] = [];
    for (const { record } of this.#of(kind).rows.values()) {
      if (found.length >= limit) break;
      if (record && (namespace === "" || (record as { namespace: string }).namespace === namespace)) found.push(record);
    }
    return found;
  }
  recordsAfter(kind: ClusterKind, after: string | null, limit: number) {
    // A Map keeps insertion order, not key order: a page sorts the keys, which an audit asks for a few times an hour.
    const { rows } = this.#of(kind);
    const keys = [...rows.keys()].filter((key) => after === null || key > after).sort();
    const page: { key: string; record: ClusterRecord }[] = [];
    for (const key of keys) {
      const record = rows.get(key)!.record;
      if (record) page.push({ key, record });
      if (page.length >= limit) break;
    }
    return page;
  }
  state(kind: ClusterKind) {
    return this.#states.get(kind) ?? neverSynced();
  }
  setState(kind: ClusterKind, state: KindState) {
    this.#states.set(kind, state);
  }

  putSession(row: SessionRow) {
    const held = this.#sessions.get(row.id);
    if (held) held.row = row;
    else this.#sessions.set(row.id, { row, staged: new Map() });
  }
  getSession(id: string) {
    return this.#sessions.get(id)?.row;
  }
  removeSession(id: string) {
    this.#sessions.delete(id);
  }
  sessions() {
    return [...this.#sessions.values()].map((s) => s.row);
  }
  putCommitted(committed: CommittedSync) {
    this.#committed.set(committed.id, committed);
  }
  getCommitted(id: string) {
    return this.#committed.get(id);
  }
  removeCommitted(id: string) {
    this.#committed.delete(id);
  }
  committed() {
    return [...this.#committed.values()].map(({ id, expiresAt }) => ({ id, expiresAt })).sort((a, b) => a.expiresAt - b.expiresAt);
  }
  #staged(session: string, kind: ClusterKind): Map<string, ClusterRecord | string> {
    const staged = this.#sessions.get(session)!.staged;
    let records = staged.get(kind);
    if (!records) staged.set(kind, (records = new Map()));
    return records;
  }
  stage(session: string, kind: ClusterKind, key: string, record: ClusterRecord, json?: string) {
    this.#staged(session, kind).set(key, json ?? record);
  }
  stagedCount(session: string, kind: ClusterKind) {
    return this.#staged(session, kind).size;
  }
  applyStaged(session: string, kind: ClusterKind, listedAt: number) {
    const staged = this.#staged(session, kind);
    for (const [key, row] of this.#of(kind).rows) {
      if (!staged.has(key) && !observedSince(row, listedAt)) this.remove(kind, key);
    }
    let kept = 0;
    for (const [key, staging] of staged) {
      const held = this.get(kind, key);
      if (held && observedSince(held, listedAt)) kept += 1;
      else this.put({ kind, key, record: typeof staging === "string" ? (JSON.parse(staging) as ClusterRecord) : staging, observedAt: null });
    }
    return kept;
  }
  transaction<T>(body: () => T): T {
    return body();
  }

  snapshot(): StoreSnapshot {
    return {
      version: 2,
      rows: clusterKinds.flatMap((kind) => [...this.#of(kind).rows.values()]),
      states: Object.fromEntries(this.#states),
    };
  }

  load(snapshot: StoreSnapshot) {
    for (const kind of clusterKinds) this.#kinds.set(kind, { rows: new Map(), live: 0 });
    this.#auditBytes = 0;
    this.#states.clear();
    for (const row of snapshot.rows) if (clusterKinds.includes(row.kind)) this.put(row);
    for (const kind of clusterKinds) {
      const state = snapshot.states[kind];
      if (state) this.#states.set(kind, state);
    }
  }
}

export interface MemoryClusterStore extends WatchedStore {
  table: MemoryTable;
}

/**
 * A store in memory; `onChange` runs after every write (the Node server saves the state file from it). A timer drops
 * an abandoned sync when it expires, whether or not anyone calls the store again; it never keeps the process alive.
 */
export function memoryClusterStore(options: StoreOptions & MemoryTableOptions & { onChange?: () => void } = {}): MemoryClusterStore {
  const table = new MemoryTable(options);
  const core = new StoreCore(table, options);
  const store = localClusterStore(core);
  const now = options.now ?? Date.now;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const sweepLater = () => {
    clearTimeout(timer);
    const next = core.sweep();
    if (next === null) return;
    timer = setTimeout(sweepLater, Math.max(0, next - now()) + 1);
    (timer as { unref?(): void }).unref?.();
  };
  const after = <A extends unknown[], R>(call: (...args: A) => Promise<R>, effects: { changed?: boolean; expires?: boolean }) =>
    async (...args: A): Promise<R> => {
      const result = await call(...args);
      if (effects.expires) sweepLater();
      if (effects.changed) options.onChange?.();
      return result;
    };
  return {
    ...store,
    observe: after(store.observe, { changed: true }),
    openSync: after(store.openSync, { expires: true }),
    stageSync: after(store.stageSync, { expires: true }),
    commitSync: after(store.commitSync, { changed: true, expires: true }),
    replace: after(store.replace, { changed: true }),
    setFreshness: (kind, freshness) => core.setFreshness(kind, freshness),
    table,
  };
}
