/**
 * The cluster store: one contract behind every source (observation, sync, watch) and every runtime (a Durable Object
 * on Workers, a Map on Node). The semantics live here once, in `StoreCore`, over a small synchronous table that each
 * runtime backs with its own storage.
 *
 * Which source wins is decided by time, never by comparing resourceVersions: those are opaque to clients (the API
 * conventions), and one forged as a 40-digit number would otherwise outrank every real change. A sync knows when its
 * list was taken (`listedAt`); it is authoritative for every object except those observed after that moment, and an
 * observation stands until the next sync whose list was taken after it.
 */
import { kinds } from "../k8s/kinds.js";
import { type ClusterKind, type ClusterRecord, clusterKinds, type KindRecords, keyOf, namespacedKey } from "./kinds.js";
import { withoutAuditCopy } from "./records.js";
import { type ClusterView, type Lookup, maxListed, tooMany, unknown } from "./view.js";

export type ObserveOperation = "upsert" | "delete";

/** What an observation did: `full` when the kind is at its size bound and the object is new. */
export type ObserveOutcome = "stored" | "removed" | "full";

/** Records per kind; a kind given with no records is known to be empty, a kind left out is untouched. */
export type SyncBatch = Partial<Record<ClusterKind, ClusterRecord[]>>;

export interface SyncOutcome {
  /** Records now held per replaced kind. */
  counts: Partial<Record<ClusterKind, number>>;
  /** Listed objects that were observed after the list was taken, so the observation was kept. */
  keptObserved: number;
  /** Kinds with more objects than the store holds: their misses answer unknown, not "not found". */
  truncated: ClusterKind[];
  syncedAt: string;
}

/** An open sync: pages are staged under its id and become visible together when it is committed. */
export interface SyncSession {
  session: string;
  kinds: ClusterKind[];
  /** When the store opened the session; every list the sync sends was taken after it. */
  listedAt: string;
  expiresAt: string;
}

export type SyncFailure = {
  ok: false;
  status: 400 | 404 | 409 | 413 | 429;
  error: string;
  /** With a 429: when the first open session expires if nothing stages into it, the earliest a retry can succeed. */
  retryAfterSeconds?: number;
};
export type OpenOutcome = ({ ok: true } & SyncSession) | SyncFailure;
export type PageOutcome = { ok: true; staged: Partial<Record<ClusterKind, number>> } | SyncFailure;
export type CommitOutcome = { ok: true; sync: SyncOutcome } | SyncFailure;

export interface KindSummary {
  count: number;
  /** When the kind was last replaced by a sync; null means never, so its misses are unknown. */
  syncedAt: string | null;
  /** Synced, within the size bound, and not stale: a miss is "not found". */
  complete: boolean;
  /** After a restart, until the watch's first list: the records are the state file's, trusted until then. */
  unconfirmedUntil?: string;
  /** The watch lost the API server at `since` and has not got it back: every lookup of the kind answers unknown. */
  stale?: { since: string; reason: string };
}

/**
 * What a live source (the Node server's watch) says of a kind's records, on top of what the store knows from its
 * syncs: `unconfirmed` from a start until the source's first list (the records came from the state file, and are
 * trusted until `trustedUntil`), `stale` once the source has lost the API server for too long (lookups of the kind
 * then answer unknown, found or not), `current` otherwise. A store no live source feeds (the Worker's) has none.
 */
export type KindFreshness =
  | { state: "current" }
  | { state: "unconfirmed"; trustedUntil: number }
  | { state: "stale"; since: number; reason: string };

export interface StoreSummary {
  kinds: Record<ClusterKind, KindSummary>;
  lastSyncAt: string | null;
  /** Paged syncs open now and the bytes of records they hold, within `maxSyncSessions` and the staged-bytes bound. */
  syncSessions: { open: number; stagedBytes: number };
}

export interface ClusterStore {
  /** Kept in this process's memory (Node, tests), not behind a round trip: its view is a local one. */
  readonly local?: boolean;
  /** Records an object seen in a change (`upsert`: the new object; `delete`: the old one). */
  observe(kind: ClusterKind, record: ClusterRecord, operation: ObserveOperation): Promise<ObserveOutcome>;
  /** Opens a sync of `kinds`; the lists must be taken after this returns. Refused (429) past `maxSyncSessions`. */
  openSync(kinds: readonly ClusterKind[]): Promise<OpenOutcome>;
  /** Adds a page of records to an open sync; nothing is visible before `commitSync`. */
  stageSync(session: string, page: SyncBatch): Promise<PageOutcome>;
  /** Makes the sync's pages the view of its kinds, in one step; asked again, answers what it answered the first time. */
  commitSync(session: string): Promise<CommitOutcome>;
  /**
   * A whole sync in one call, for lists that fit in one request: replaces each kind in `batch` with the lists taken
   * `listedBeforeMs` before now (at the latest).
   */
  replace(batch: SyncBatch, listedBeforeMs?: number): Promise<CommitOutcome>;
  summary(): Promise<StoreSummary>;
  /** Answers several lookups in one call (on Workers, one round trip to the Durable Object), in the queries' order. */
  lookupAll(queries: readonly LookupQuery[]): Promise<Lookup<LookupAnswer>[]>;
  /**
   * The records of `kind` in key order, audit copies included, from the first key after `after` (from the start when
   * null): a page of at most `limit`, and the key to continue after when there are more.
   */
  records(kind: ClusterKind, after: string | null, limit: number): Promise<RecordPage>;
}

export interface RecordPage {
  records: ClusterRecord[];
  /** The last key of this page when more records follow; null at the end. */
  next: string | null;
}

/** The most records one `records` call returns, whatever it asks: one page must fit in one RPC answer. */
export const maxRecordPage = 5_000;

/** One object of a kind (`ClusterView.get`), or every object of a kind in a namespace (`ClusterView.list`). */
export type LookupQuery =
  | { op: "get"; kind: ClusterKind; namespace: string; name: string }
  | { op: "list"; kind: ClusterKind; namespace: string };

export type LookupAnswer = ClusterRecord | ClusterRecord[];

/** One stored row; a null record is a tombstone: an observed deletion that a sync listed before it must not undo. */
export interface StoredRow {
  kind: ClusterKind;
  key: string;
  record: ClusterRecord | null;
  /** Epoch milliseconds of the observation that wrote the row; null for a row a sync wrote. */
  observedAt: number | null;
}

/** Whether a row was observed after a list taken at `listedAt`, and so outranks that list. */
export const observedSince = (row: StoredRow, listedAt: number) => row.observedAt !== null && row.observedAt > listedAt;

export interface KindState {
  /** Epoch milliseconds of the last committed sync; null before the first. */
  syncedAt: number | null;
  /** When the last committed sync's list was taken. */
  listedAt: number | null;
  /** The kind hit the size bound since its last sync. */
  overflow: boolean;
}

export interface SessionRow {
  id: string;
  kinds: ClusterKind[];
  listedAt: number;
  expiresAt: number;
  overflow: ClusterKind[];
  /** Bytes of JSON of the records staged so far (a record staged twice counts twice). */
  stagedBytes?: number;
}

/** A commit's answer, kept so that a commit sent again (a proxy lost the first answer) gets it again. */
export interface CommittedSync {
  id: string;
  outcome: CommitOutcome;
  expiresAt: number;
}

/** The storage a runtime provides; every call is synchronous so a store operation is one atomic step. */
export interface RecordTable {
  get(kind: ClusterKind, key: string): StoredRow | undefined;
  put(row: StoredRow): void;
  remove(kind: ClusterKind, key: string): void;
  /** Rows of `kind`, tombstones included; kept as a count, never counted by a scan. */
  size(kind: ClusterKind): number;
  /** Rows of `kind` holding a record; kept as a count, never counted by a scan. */
  liveCount(kind: ClusterKind): number;
  dropTombstones(kind: ClusterKind): void;
  /**
   * Up to `limit` records of `kind` in `namespace` (every namespace's for a cluster-scoped kind, where it is ""), in no
   * promised order; audit copies may be left in, the store drops them.
   */
  list(kind: ClusterKind, namespace: string, limit: number): ClusterRecord[];
  /** Up to `limit` rows of `kind` holding a record, in key order, from the first key after `after`. */
  recordsAfter(kind: ClusterKind, after: string | null, limit: number): { key: string; record: ClusterRecord }[];
  state(kind: ClusterKind): KindState;
  setState(kind: ClusterKind, state: KindState): void;

  putSession(session: SessionRow): void;
  getSession(id: string): SessionRow | undefined;
  /** Removes the session and everything staged under it. */
  removeSession(id: string): void;
  /** Every open session; there are at most `maxSyncSessions` between two store calls. */
  sessions(): SessionRow[];
  putCommitted(committed: CommittedSync): void;
  getCommitted(id: string): CommittedSync | undefined;
  removeCommitted(id: string): void;
  /** Every kept commit answer's id and expiry, oldest expiry first; at most `maxKeptCommits` between two calls. */
  committed(): { id: string; expiresAt: number }[];
  /**
   * Stages a record under a session (a key staged twice keeps the last). `json` is the record's JSON text when the
   * store measured it: a table may keep the text instead of the object, so that what it holds is what was counted.
   */
  stage(session: string, kind: ClusterKind, key: string, record: ClusterRecord, json?: string): void;
  stagedCount(session: string, kind: ClusterKind): number;
  /**
   * Makes the session's staged records of `kind` the kind's rows, except rows observed since `listedAt`
   * (`observedSince`), which stay as they are: a held row neither staged nor observed since goes, a staged record
   * replaces a held row not observed since and is written with `observedAt: null`. Returns how many staged records
   * gave way to an observation.
   */
  applyStaged(session: string, kind: ClusterKind, listedAt: number): number;
  transaction<T>(body: () => T): T;
}

/**
 * How long before a `PUT /inventory` its List may have been taken: kubectl lists, then the request carries it. An
 * object observed in that window outranks the List (a Service created in between would otherwise vanish). A paged
 * sync (`stateward sync`) opens its session before listing and needs no such allowance; neither does a watch's list.
 */
export const observationGraceMs = 60_000;

/**
 * An open sync that receives no page for this long is abandoned: its pages are dropped (a timer on Node, an alarm on
 * the Durable Object), the view never saw them.
 */
export const syncSessionTtlMs = 10 * 60_000;

/**
 * Paged syncs open at once per store. One CronJob runs one at a time; a few more leave room for a run that overlaps
 * the last or was abandoned, and a caller that opens sessions and walks away cannot make the store hold more.
 */
export const maxSyncSessions = 4;

/**
 * The bytes of records (as JSON) all open syncs of one store may hold before their commit. The memory store keeps
 * staged records as that very text, so on Node the bound is heap: 32 MiB stays within the in-cluster overlay's heap
 * beside a full view. A full sync of 15,000 claims and StatefulSets with their audit copies (~2 KiB each) fits.
 */
export const maxStagedBytes = 32 * 1024 * 1024;

/** How long and how many commit answers are kept for a commit sent again: as long as a session lives, the last 16. */
export const committedSyncTtlMs = syncSessionTtlMs;
export const maxKeptCommits = 16;

/** The default bound per kind: far above real clusters, small enough for a Durable Object or a Node heap. */
export const defaultMaxRecordsPerKind = 50_000;

/** A store a live source can mark stale: the Node store (memory-store.ts). */
export interface WatchedStore extends ClusterStore {
  setFreshness(kind: ClusterKind, freshness: KindFreshness): void;
}

export interface StoreOptions {
  maxRecordsPerKind?: number;
  now?: () => number;
  /** Session ids; random by default. */
  newId?: () => string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The store's semantics over any `RecordTable`. */
export class StoreCore {
  readonly #table: RecordTable;
  readonly #max: number;
  readonly #now: () => number;
  readonly #newId: () => string;
  /** Not stored in the table: it describes this process's source, and a restart starts over (unconfirmed). */
  readonly #freshness = new Map<ClusterKind, KindFreshness>();

  constructor(table: RecordTable, options: StoreOptions = {}) {
    this.#table = table;
    this.#max = options.maxRecordsPerKind ?? defaultMaxRecordsPerKind;
    this.#now = options.now ?? Date.now;
    this.#newId = options.newId ?? (() => crypto.randomUUID());
  }

  observe(kind: ClusterKind, record: ClusterRecord, operation: ObserveOperation): ObserveOutcome {
    const table = this.#table;
    return table.transaction(() => {
      const key = keyOf(kind, record);
      if (!table.get(kind, key) && !this.#room(kind)) {
        if (operation === "delete") return "removed";
        table.setState(kind, { ...table.state(kind), overflow: true });
        return "full";
      }
      table.put({ kind, key, record: operation === "delete" ? null : record, observedAt: this.#now() });
      return operation === "delete" ? "removed" : "stored";
    });
  }

  openSync(kinds: readonly ClusterKind[]): OpenOutcome {
    return this.#table.transaction(() => {
      this.#sweep();
      const sessions = this.#table.sessions();
      const open = sessions.length;
      if (open >= maxSyncSessions) {
        const firstExpiry = Math.min(...sessions.map((session) => session.expiresAt));
        return {
          ok: false,
          status: 429,
          error: `${open} sync sessions are open, the most a store keeps (maxSyncSessions ${maxSyncSessions}): commit one, or wait until one expires ${syncSessionTtlMs / 60_000} minutes after its last page`,
          retryAfterSeconds: Math.max(1, Math.ceil((firstExpiry - this.#now()) / 1000)),
        };
      }
      return { ok: true, ...this.#open(kinds, this.#now()) };
    });
  }

  stageSync(id: string, page: SyncBatch): PageOutcome {
    return this.#table.transaction(() => {
      this.#sweep();
      return this.#stage(id, page, true);
    });
  }

  commitSync(id: string): CommitOutcome {
    return this.#table.transaction(() => {
      this.#sweep();
      const kept = this.#table.getCommitted(id);
      if (kept) return kept.outcome;
      const outcome = this.#commit(id);
      // A 404 says nothing about the session; any other answer is the one a commit sent again must get.
      if (outcome.ok || outcome.status !== 404) this.#table.putCommitted({ id, outcome, expiresAt: this.#now() + committedSyncTtlMs });
      return outcome;
    });
  }

  replace(batch: SyncBatch, listedBeforeMs = 0): CommitOutcome {
    // One call, one transaction: its session is never left open, so it counts against no bound.
    return this.#table.transaction(() => {
      const kinds = clusterKinds.filter((kind) => batch[kind]);
      const { session } = this.#open(kinds, this.#now() - listedBeforeMs);
      const staged = this.#stage(session, batch, false);
      return staged.ok ? this.#commit(session) : staged;
    });
  }

  /**
   * Drops the sessions that expired and the commit answers past their time or count; returns when the next one is
   * due (epoch ms), or null when nothing is left to expire. The runtimes call it from a timer or an alarm at that time,
   * so an abandoned sync's records are freed even if no one calls the store again.
   */
  sweep(): number | null {
    return this.#table.transaction(() => this.#sweep());
  }

  #sweep(): number | null {
    const table = this.#table;
    const now = this.#now();
    let next: number | null = null;
    const due = (at: number) => {
      if (next === null || at < next) next = at;
    };
    for (const session of table.sessions()) {
      if (session.expiresAt < now) table.removeSession(session.id);
      else due(session.expiresAt);
    }
    const committed = table.committed();
    committed.forEach(({ id, expiresAt }, i) => {
      if (expiresAt < now || i < committed.length - maxKeptCommits) table.removeCommitted(id);
      else due(expiresAt);
    });
    return next;
  }

  setFreshness(kind: ClusterKind, freshness: KindFreshness): void {
    this.#freshness.set(kind, freshness);
  }

  summary(): StoreSummary {
    const kinds = {} as Record<ClusterKind, KindSummary>;
    let last: number | null = null;
    for (const kind of clusterKinds) {
      const { syncedAt, overflow } = this.#table.state(kind);
      const freshness = this.#freshness.get(kind);
      kinds[kind] = {
        count: this.#table.liveCount(kind),
        syncedAt: syncedAt === null ? null : iso(syncedAt),
        complete: syncedAt !== null && !overflow && freshness?.state !== "stale",
      };
      if (freshness?.state === "unconfirmed" && syncedAt !== null) kinds[kind].unconfirmedUntil = iso(freshness.trustedUntil);
      if (freshness?.state === "stale") kinds[kind].stale = { since: iso(freshness.since), reason: freshness.reason };
      if (syncedAt !== null && (last === null || syncedAt > last)) last = syncedAt;
    }
    this.sweep();
    const sessions = this.#table.sessions();
    const syncSessions = { open: sessions.length, stagedBytes: sessions.reduce((sum, s) => sum + (s.stagedBytes ?? 0), 0) };
    return { kinds, lastSyncAt: last === null ? null : iso(last), syncSessions };
  }

  get(kind: ClusterKind, namespace: string, name: string): Lookup<ClusterRecord> {
    const stale = this.#stale(kind);
    if (stale) return stale;
    const row = this.#table.get(kind, kinds[kind].namespaced ? namespacedKey(namespace, name) : name);
    if (row?.record) return { state: "found", value: withoutAuditCopy(row.record) };
    return this.#miss(kind) ?? { state: "not-found" };
  }

  list(kind: ClusterKind, namespace: string): Lookup<ClusterRecord[]> {
    const miss = this.#miss(kind);
    if (miss) return miss;
    const records = this.#table.list(kind, kinds[kind].namespaced ? namespace : "", maxListed + 1);
    return records.length > maxListed ? tooMany(kind, namespace) : { state: "found", value: records.map(withoutAuditCopy) };
  }

  records(kind: ClusterKind, after: string | null, limit: number): RecordPage {
    const size = Math.max(1, Math.min(Math.floor(limit) || 1, maxRecordPage));
    // One more than the page tells whether another page follows without a second query.
    const rows = this.#table.recordsAfter(kind, after, size + 1);
    const page = rows.slice(0, size);
    return { records: page.map((r) => r.record), next: rows.length > size ? page.at(-1)!.key : null };
  }

  lookupAll(queries: readonly LookupQuery[]): Lookup<LookupAnswer>[] {
    return queries.map((query) => (query.op === "get" ? this.get(query.kind, query.namespace, query.name) : this.list(query.kind, query.namespace)));
  }

  #open(kinds: readonly ClusterKind[], listedAt: number): SyncSession {
    const now = this.#now();
    const session: SessionRow = {
      id: this.#newId(),
      kinds: [...kinds],
      listedAt,
      expiresAt: now + syncSessionTtlMs,
      overflow: [],
      stagedBytes: 0,
    };
    this.#table.putSession(session);
    return { session: session.id, kinds: session.kinds, listedAt: iso(listedAt), expiresAt: iso(session.expiresAt) };
  }

  #session(id: string): SessionRow | SyncFailure {
    const session = this.#table.getSession(id);
    if (session && session.expiresAt >= this.#now()) return session;
    return {
      ok: false,
      status: 404,
      error: `no open sync session ${JSON.stringify(id)}: it was committed, or received no page for ${syncSessionTtlMs / 60_000} minutes`,
    };
  }

  /** Stages a page; `bounded` (a paged sync over HTTP) counts its bytes against the store's bound. */
  #stage(id: string, page: SyncBatch, bounded: boolean): PageOutcome {
    const session = this.#session(id);
    if ("ok" in session) return session;
    const stray = clusterKinds.find((kind) => page[kind] && !session.kinds.includes(kind));
    if (stray) return { ok: false, status: 400, error: `${kinds[stray].plural} are not part of sync session ${id}` };
    const texts = bounded ? new Map<ClusterRecord, string>() : undefined;
    if (texts) {
      let bytes = 0;
      for (const kind of session.kinds) for (const record of page[kind] ?? []) bytes += texts.set(record, JSON.stringify(record)).get(record)!.length;
      const held = this.#table.sessions().reduce((sum, s) => sum + (s.stagedBytes ?? 0), 0);
      if (held + bytes > maxStagedBytes) {
        // The sync cannot finish: what it staged is freed now rather than when it expires.
        this.#table.removeSession(id);
        return {
          ok: false,
          status: 413,
          error: `open syncs would hold ${held + bytes} bytes of records, over the store's bound of ${maxStagedBytes} (maxStagedBytes); sync session ${id} is dropped`,
        };
      }
      session.stagedBytes = (session.stagedBytes ?? 0) + bytes;
    }
    const staged: Partial<Record<ClusterKind, number>> = {};
    for (const kind of session.kinds) {
      const records = page[kind];
      if (!records) continue;
      let count = this.#table.stagedCount(id, kind);
      for (const record of records) {
        if (count >= this.#max) {
          if (!session.overflow.includes(kind)) session.overflow.push(kind);
          break;
        }
        this.#table.stage(id, kind, keyOf(kind, record), record, texts?.get(record));
        count += 1;
      }
      staged[kind] = this.#table.stagedCount(id, kind);
    }
    this.#table.putSession({ ...session, expiresAt: this.#now() + syncSessionTtlMs });
    return { ok: true, staged };
  }

  #commit(id: string): CommitOutcome {
    const session = this.#session(id);
    if ("ok" in session) return session;
    const table = this.#table;
    const later = session.kinds.find((kind) => (table.state(kind).listedAt ?? -Infinity) > session.listedAt);
    if (later) {
      table.removeSession(id);
      return {
        ok: false,
        status: 409,
        error: `a sync of ${kinds[later].plural} whose list was taken after this one's has already been committed`,
      };
    }
    const now = this.#now();
    const counts: Partial<Record<ClusterKind, number>> = {};
    let keptObserved = 0;
    for (const kind of session.kinds) {
      keptObserved += table.applyStaged(id, kind, session.listedAt);
      table.setState(kind, { syncedAt: now, listedAt: session.listedAt, overflow: session.overflow.includes(kind) });
      counts[kind] = table.liveCount(kind);
    }
    table.removeSession(id);
    return { ok: true, sync: { counts, keptObserved, truncated: [...session.overflow], syncedAt: iso(now) } };
  }

  /** Why nothing the store holds of `kind` can be trusted now, if it cannot: its live source lost the API server. */
  #stale(kind: ClusterKind): Lookup<never> | undefined {
    const freshness = this.#freshness.get(kind);
    if (freshness?.state !== "stale") return undefined;
    return unknown(`${kinds[kind].plural} in the cluster view are stale since ${iso(freshness.since)}: ${freshness.reason}`);
  }

  /** Why a miss cannot be called "not found", if it cannot. */
  #miss(kind: ClusterKind): Lookup<never> | undefined {
    const stale = this.#stale(kind);
    if (stale) return stale;
    const { syncedAt, overflow } = this.#table.state(kind);
    const { plural } = kinds[kind];
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

type Sync<T> = { [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : never };

/** A `ClusterStore` over a `StoreCore` in the same process. */
export function localClusterStore(core: Sync<Omit<ClusterStore, "local">>): ClusterStore {
  return {
    local: true,
    observe: async (kind, record, operation) => core.observe(kind, record, operation),
    openSync: async (kinds) => core.openSync(kinds),
    stageSync: async (session, page) => core.stageSync(session, page),
    commitSync: async (session) => core.commitSync(session),
    replace: async (batch, listedBeforeMs) => core.replace(batch, listedBeforeMs),
    summary: async () => core.summary(),
    lookupAll: async (queries) => core.lookupAll(queries),
    records: async (kind, after, limit) => core.records(kind, after, limit),
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
    ...(store.local ? { local: true } : {}),
    get: (kind, namespace, name) => ask<KindRecords[typeof kind]>({ op: "get", kind, namespace, name }),
    list: (kind, namespace) => ask<KindRecords[typeof kind][]>({ op: "list", kind, namespace }),
  };
}
