/**
 * The store on Workers: a SQLite-backed Durable Object per cluster name, reached over RPC. Each RPC method runs its
 * SQL synchronously in one transaction, so an observation, a page, a commit or a lookup is one atomic step.
 */
import { DurableObject } from "cloudflare:workers";
import { type ClusterKind, type ClusterRecord, clusterKinds } from "../cluster/kinds.js";
import {
  type ClusterStore,
  type CommitOutcome,
  type CommittedSync,
  type KindState,
  type LookupAnswer,
  type LookupQuery,
  type ObserveOperation,
  type ObserveOutcome,
  type OpenOutcome,
  type PageOutcome,
  type RecordPage,
  type RecordTable,
  type SessionRow,
  StoreCore,
  type StoreSummary,
  type StoredRow,
  type SyncBatch,
} from "../cluster/store.js";
import type { AuditCopy, Lookup } from "../cluster/view.js";

type RowColumns = { observed_at: number | null; record: string | null };
type CopyColumns = { audit_copy: string | null; audit_note: string | null };

/**
 * A record as its row's columns: its JSON without the audit's copy, then the copy's own JSON text (never written again
 * inside the record's), or else a note of its size (too large, omitted). A lookup reads the record's column alone.
 */
function rowColumns(record: ClusterRecord | null): [string | null, string | null, string | null] {
  if (record === null) return [null, null, null];
  const { audit, ...rest } = record as ClusterRecord & { audit?: AuditCopy };
  return [JSON.stringify(rest), ...(!audit ? [null, null] : "json" in audit ? [audit.json, null] : [null, JSON.stringify(audit)])] as [
    string,
    string | null,
    string | null,
  ];
}

/** The record with its copy, as the audit reads it. */
function withCopy(record: string, { audit_copy, audit_note }: CopyColumns): ClusterRecord {
  const parsed = JSON.parse(record) as ClusterRecord;
  const audit: AuditCopy | undefined = audit_copy !== null ? { json: audit_copy } : audit_note !== null ? (JSON.parse(audit_note) as AuditCopy) : undefined;
  return audit ? { ...parsed, audit } : parsed;
}

/** Adds the copy columns to a table made before them, moving each record's copy out of its JSON into them. */
export function addCopyColumns(sql: SqlStorage, table: "view_rows" | "sync_staged"): void {
  const columns = sql.exec<{ name: string }>(`SELECT name FROM pragma_table_info('${table}')`).toArray();
  if (columns.some((c) => c.name === "audit_copy")) return;
  sql.exec(`ALTER TABLE ${table} ADD COLUMN audit_copy TEXT`);
  sql.exec(`ALTER TABLE ${table} ADD COLUMN audit_note TEXT`);
  sql.exec(
    `UPDATE ${table} SET audit_copy = json_extract(record, '$.audit.json'),
     audit_note = CASE WHEN json_extract(record, '$.audit.json') IS NULL THEN json_extract(record, '$.audit') END,
     record = json_remove(record, '$.audit')
     WHERE record IS NOT NULL AND json_type(record, '$.audit') IS NOT NULL`,
  );
}

/**
 * The schema. Row and live counts per kind are kept by triggers, so a summary reads five numbers whatever the size of
 * the store. The tables of the first version (`records`, `kinds`) ordered by resourceVersion; they are dropped, and
 * the next sync fills the view again. A record's audit copy has columns of its own (`rowColumns`, added by
 * `addCopyColumns` to tables made before them); `is_default` is no longer read.
 */
const schema = [
  "DROP TABLE IF EXISTS records",
  "DROP TABLE IF EXISTS kinds",
  `CREATE TABLE IF NOT EXISTS view_rows (
    kind TEXT NOT NULL, key TEXT NOT NULL, observed_at INTEGER, is_default INTEGER NOT NULL DEFAULT 0, record TEXT,
    PRIMARY KEY (kind, key))`,
  `CREATE TABLE IF NOT EXISTS view_kinds (
    kind TEXT PRIMARY KEY, synced_at INTEGER, listed_at INTEGER, overflow INTEGER NOT NULL DEFAULT 0,
    rows INTEGER NOT NULL DEFAULT 0, live INTEGER NOT NULL DEFAULT 0)`,
  `CREATE TRIGGER IF NOT EXISTS view_rows_insert AFTER INSERT ON view_rows BEGIN
    UPDATE view_kinds SET rows = rows + 1, live = live + (new.record IS NOT NULL) WHERE kind = new.kind; END`,
  `CREATE TRIGGER IF NOT EXISTS view_rows_delete AFTER DELETE ON view_rows BEGIN
    UPDATE view_kinds SET rows = rows - 1, live = live - (old.record IS NOT NULL) WHERE kind = old.kind; END`,
  `CREATE TRIGGER IF NOT EXISTS view_rows_update AFTER UPDATE OF record ON view_rows BEGIN
    UPDATE view_kinds SET live = live - (old.record IS NOT NULL) + (new.record IS NOT NULL) WHERE kind = new.kind; END`,
  `CREATE TABLE IF NOT EXISTS sync_sessions (id TEXT PRIMARY KEY, body TEXT NOT NULL, expires_at INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS sync_staged (
    session TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, is_default INTEGER NOT NULL, record TEXT NOT NULL,
    PRIMARY KEY (session, kind, key))`,
  `CREATE TABLE IF NOT EXISTS sync_committed (id TEXT PRIMARY KEY, body TEXT NOT NULL, expires_at INTEGER NOT NULL)`,
];

class SqlTable implements RecordTable {
  readonly #storage: DurableObjectStorage;
  readonly #sql: SqlStorage;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
    this.#sql = storage.sql;
    for (const statement of schema) this.#sql.exec(statement);
    for (const kind of clusterKinds) this.#sql.exec("INSERT OR IGNORE INTO view_kinds (kind) VALUES (?)", kind);
    for (const table of ["view_rows", "sync_staged"] as const) addCopyColumns(this.#sql, table);
  }

  get(kind: ClusterKind, key: string): StoredRow | undefined {
    const row = this.#sql
      .exec<RowColumns>("SELECT observed_at, record FROM view_rows WHERE kind = ? AND key = ?", kind, key)
      .toArray()[0];
    if (!row) return undefined;
    return { kind, key, observedAt: row.observed_at, record: row.record === null ? null : (JSON.parse(row.record) as ClusterRecord) };
  }

  put(row: StoredRow): void {
    this.#sql.exec(
      `INSERT INTO view_rows (kind, key, observed_at, record, audit_copy, audit_note) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (kind, key) DO UPDATE SET observed_at = excluded.observed_at, record = excluded.record,
       audit_copy = excluded.audit_copy, audit_note = excluded.audit_note`,
      row.kind,
      row.key,
      row.observedAt,
      ...rowColumns(row.record),
    );
  }

  remove(kind: ClusterKind, key: string): void {
    this.#sql.exec("DELETE FROM view_rows WHERE kind = ? AND key = ?", kind, key);
  }

  size(kind: ClusterKind): number {
    return this.#sql.exec<{ n: number }>("SELECT rows AS n FROM view_kinds WHERE kind = ?", kind).one().n;
  }

  liveCount(kind: ClusterKind): number {
    return this.#sql.exec<{ n: number }>("SELECT live AS n FROM view_kinds WHERE kind = ?", kind).one().n;
  }

  dropTombstones(kind: ClusterKind): void {
    this.#sql.exec("DELETE FROM view_rows WHERE kind = ? AND record IS NULL", kind);
  }

  list(kind: ClusterKind, namespace: string, limit: number): ClusterRecord[] {
    // Keys are `namespace/name`: a namespace's keys sort between `namespace/` and `namespace0` ('0' follows '/').
    const rows =
      namespace === ""
        ? this.#sql.exec<{ record: string }>("SELECT record FROM view_rows WHERE kind = ? AND record IS NOT NULL LIMIT ?", kind, limit)
        : this.#sql.exec<{ record: string }>(
            "SELECT record FROM view_rows WHERE kind = ? AND key >= ? AND key < ? AND record IS NOT NULL LIMIT ?",
            kind,
            `${namespace}/`,
            `${namespace}0`,
            limit,
          );
    return rows.toArray().map((row) => JSON.parse(row.record) as ClusterRecord);
  }

  recordsAfter(kind: ClusterKind, after: string | null, limit: number): { key: string; record: ClusterRecord }[] {
    // The primary key (kind, key) is the order: the page is read from the index, never sorted.
    return this.#sql
      .exec<{ key: string; record: string } & CopyColumns>(
        "SELECT key, record, audit_copy, audit_note FROM view_rows WHERE kind = ? AND key > ? AND record IS NOT NULL ORDER BY key LIMIT ?",
        kind,
        after ?? "",
        limit,
      )
      .toArray()
      .map((row) => ({ key: row.key, record: withCopy(row.record, row) }));
  }

  state(kind: ClusterKind): KindState {
    const row = this.#sql
      .exec<{ synced_at: number | null; listed_at: number | null; overflow: number }>(
        "SELECT synced_at, listed_at, overflow FROM view_kinds WHERE kind = ?",
        kind,
      )
      .one();
    return { syncedAt: row.synced_at, listedAt: row.listed_at, overflow: row.overflow === 1 };
  }

  setState(kind: ClusterKind, state: KindState): void {
    this.#sql.exec(
      "UPDATE view_kinds SET synced_at = ?, listed_at = ?, overflow = ? WHERE kind = ?",
      state.syncedAt,
      state.listedAt,
      state.overflow ? 1 : 0,
      kind,
    );
  }

  putSession(session: SessionRow): void {
    this.#sql.exec(
      `INSERT INTO sync_sessions (id, body, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET body = excluded.body, expires_at = excluded.expires_at`,
      session.id,
      JSON.stringify(session),
      session.expiresAt,
    );
  }

  getSession(id: string): SessionRow | undefined {
    const row = this.#sql.exec<{ body: string }>("SELECT body FROM sync_sessions WHERE id = ?", id).toArray()[0];
    return row && (JSON.parse(row.body) as SessionRow);
  }

  removeSession(id: string): void {
    this.#sql.exec("DELETE FROM sync_staged WHERE session = ?", id);
    this.#sql.exec("DELETE FROM sync_sessions WHERE id = ?", id);
  }

  sessions(): SessionRow[] {
    return this.#sql.exec<{ body: string }>("SELECT body FROM sync_sessions").toArray().map((row) => JSON.parse(row.body) as SessionRow);
  }

  putCommitted(committed: CommittedSync): void {
    this.#sql.exec(
      "INSERT OR REPLACE INTO sync_committed (id, body, expires_at) VALUES (?, ?, ?)",
      committed.id,
      JSON.stringify(committed),
      committed.expiresAt,
    );
  }

  getCommitted(id: string): CommittedSync | undefined {
    const row = this.#sql.exec<{ body: string }>("SELECT body FROM sync_committed WHERE id = ?", id).toArray()[0];
    return row && (JSON.parse(row.body) as CommittedSync);
  }

  removeCommitted(id: string): void {
    this.#sql.exec("DELETE FROM sync_committed WHERE id = ?", id);
  }

  committed(): { id: string; expiresAt: number }[] {
    return this.#sql
      .exec<{ id: string; expires_at: number }>("SELECT id, expires_at FROM sync_committed ORDER BY expires_at")
      .toArray()
      .map((row) => ({ id: row.id, expiresAt: row.expires_at }));
  }

  /** The measured text is not kept: it holds the copy inside the record, and the columns keep them apart. */
  stage(session: string, kind: ClusterKind, key: string, record: ClusterRecord): void {
    this.#sql.exec(
      "INSERT OR REPLACE INTO sync_staged (session, kind, key, is_default, record, audit_copy, audit_note) VALUES (?, ?, ?, 0, ?, ?, ?)",
      session,
      kind,
      key,
      ...rowColumns(record),
    );
  }

  stagedCount(session: string, kind: ClusterKind): number {
    return this.#sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sync_staged WHERE session = ? AND kind = ?", session, kind).one().n;
  }

  /** `RecordTable.applyStaged` in three statements; `observed_at > listedAt` is `observedSince`. */
  applyStaged(session: string, kind: ClusterKind, listedAt: number): number {
    const sql = this.#sql;
    sql.exec(
      `DELETE FROM view_rows WHERE kind = ? AND (observed_at IS NULL OR observed_at <= ?)
       AND key NOT IN (SELECT key FROM sync_staged WHERE session = ? AND kind = ?)`,
      kind,
      listedAt,
      session,
      kind,
    );
    const kept = sql
      .exec<{ n: number }>(
        `SELECT COUNT(*) AS n FROM sync_staged s JOIN view_rows r ON r.kind = s.kind AND r.key = s.key
         WHERE s.session = ? AND s.kind = ? AND r.observed_at > ?`,
        session,
        kind,
        listedAt,
      )
      .one().n;
    sql.exec(
      `INSERT INTO view_rows (kind, key, observed_at, record, audit_copy, audit_note)
       SELECT kind, key, NULL, record, audit_copy, audit_note FROM sync_staged WHERE session = ? AND kind = ? AND true
       ON CONFLICT (kind, key) DO UPDATE SET observed_at = NULL, record = excluded.record,
       audit_copy = excluded.audit_copy, audit_note = excluded.audit_note
       WHERE view_rows.observed_at IS NULL OR view_rows.observed_at <= ?`,
      session,
      kind,
      listedAt,
    );
    return kept;
  }

  transaction<T>(body: () => T): T {
    return this.#storage.transactionSync(body);
  }
}

function checkKind(kind: unknown): ClusterKind {
  if (!clusterKinds.includes(kind as ClusterKind)) throw new TypeError(`not a cluster view kind: ${String(kind)}`);
  return kind as ClusterKind;
}

function checkQuery(query: LookupQuery): LookupQuery {
  const kind = checkKind(query.kind);
  const namespace = String(query.namespace);
  if (query.op === "get") return { op: "get", kind, namespace, name: String(query.name) };
  if (query.op === "list") return { op: "list", kind, namespace };
  throw new TypeError(`not a lookup: ${String((query as { op?: unknown }).op)}`);
}

/**
 * One cluster's store. The Worker names the instance after `STATEWARD_CLUSTER`. An alarm at the next sync session's
 * expiry deletes an abandoned sync's staged rows even when no request comes to the object again.
 */
export class ClusterStoreObject extends DurableObject {
  readonly #core: StoreCore;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    this.#core = new StoreCore(new SqlTable(ctx.storage));
  }

  override async alarm(): Promise<void> {
    await this.#sweepLater();
  }

  /** Sweeps now and sets the alarm for what expires next; the RPC's answer waits for the alarm to be stored. */
  #sweepLater(): Promise<void> {
    const next = this.#core.sweep();
    return next === null ? this.ctx.storage.deleteAlarm() : this.ctx.storage.setAlarm(next + 1);
  }

  observe(kind: ClusterKind, record: ClusterRecord, operation: ObserveOperation): ObserveOutcome {
    return this.#core.observe(checkKind(kind), record, operation);
  }

  async openSync(kinds: readonly ClusterKind[]): Promise<OpenOutcome> {
    const opened = this.#core.openSync(kinds.map(checkKind));
    await this.#sweepLater();
    return opened;
  }

  async stageSync(session: string, page: SyncBatch): Promise<PageOutcome> {
    const staged = this.#core.stageSync(String(session), page);
    await this.#sweepLater();
    return staged;
  }

  async commitSync(session: string): Promise<CommitOutcome> {
    const committed = this.#core.commitSync(String(session));
    await this.#sweepLater();
    return committed;
  }

  replace(batch: SyncBatch, listedBeforeMs?: number): CommitOutcome {
    return this.#core.replace(batch, listedBeforeMs);
  }

  summary(): StoreSummary {
    return this.#core.summary();
  }

  lookupAll(queries: readonly LookupQuery[]): Lookup<LookupAnswer>[] {
    return this.#core.lookupAll(queries.map(checkQuery));
  }

  records(kind: ClusterKind, after: string | null, limit: number): RecordPage {
    return this.#core.records(checkKind(kind), after === null ? null : String(after), Number(limit));
  }
}

/** The `ClusterStore` contract over a stub of the cluster's Durable Object: one RPC round trip per call. */
export function durableClusterStore(stub: DurableObjectStub<ClusterStoreObject>): ClusterStore {
  return {
    observe: (kind, record, operation) => stub.observe(kind, record, operation) as Promise<ObserveOutcome>,
    openSync: (kinds) => stub.openSync(kinds) as Promise<OpenOutcome>,
    stageSync: (session, page) => stub.stageSync(session, page) as Promise<PageOutcome>,
    commitSync: (session) => stub.commitSync(session) as Promise<CommitOutcome>,
    replace: (batch, listedBeforeMs) => stub.replace(batch, listedBeforeMs) as Promise<CommitOutcome>,
    summary: () => stub.summary() as Promise<StoreSummary>,
    lookupAll: (queries) => stub.lookupAll(queries) as Promise<Lookup<LookupAnswer>[]>,
    records: (kind, after, limit) => stub.records(kind, after, limit) as Promise<RecordPage>,
  };
}
