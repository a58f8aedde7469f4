/**
 * The Node store's on-disk copy, so a restart loses nothing: loaded at start, written after changes (debounced) to
 * a temporary file renamed over the old one, so a crash mid-write leaves the previous copy whole.
 */
import { existsSync, readFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import * as z from "zod";
import { type ClusterKind, clusterKinds } from "../cluster/kinds.js";
import { type MemoryClusterStore, memoryClusterStore, type MemoryTableOptions, type StoreSnapshot } from "../cluster/memory-store.js";
import { recordSchemas } from "../cluster/records.js";
import type { StoreOptions } from "../cluster/store.js";

const kind = z.enum(clusterKinds);
const kindState = z.object({ syncedAt: z.number().nullable(), listedAt: z.number().nullable(), overflow: z.boolean() });

/**
 * Version 2 orders sources by time. A version 1 file (which ordered by resourceVersion) is refused like any
 * unreadable one: the server starts empty and the next list or sync fills the view.
 */
const snapshotSchema = z.object({
  version: z.literal(2),
  rows: z.array(
    z
      .object({ kind, key: z.string(), observedAt: z.number().nullable(), record: z.unknown() })
      .superRefine((row, context) => {
        if (row.record === null) return;
        const parsed = recordSchemas[row.kind as ClusterKind].safeParse(row.record);
        if (!parsed.success) context.addIssue({ code: "custom", message: `not a ${row.kind} record`, path: ["record"] });
      }),
  ),
  states: z.partialRecord(kind, kindState),
});

export interface PersistentStore {
  store: MemoryClusterStore;
  /** Writes pending changes now; resolves when they are on disk. */
  flush(): Promise<void>;
}

export interface PersistOptions extends StoreOptions, MemoryTableOptions {
  debounceMs?: number;
  log?(line: Record<string, unknown>): void;
}

export function persistentClusterStore(path: string, options: PersistOptions = {}): PersistentStore {
  const log = options.log ?? ((line) => console.error(JSON.stringify(line)));
  const debounceMs = options.debounceMs ?? 1_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let dirty = false;
  let writing: Promise<void> = Promise.resolve();

  const write = () => {
    timer = undefined;
    if (!dirty) return writing;
    dirty = false;
    const text = JSON.stringify(store.table.snapshot());
    const temporary = `${path}.${process.pid}.tmp`;
    writing = writing
      .then(() => writeFile(temporary, text, { mode: 0o600 }))
      .then(() => rename(temporary, path))
      .catch((error: unknown) => {
        dirty = true;
        log({ level: "error", msg: "could not write the state file", path, error: String(error) });
      });
    return writing;
  };

  const store = memoryClusterStore({
    ...options,
    onChange() {
      dirty = true;
      // Writes are coalesced: a burst of observations costs one write, never one per change.
      timer ??= setTimeout(write, debounceMs);
      timer.unref?.();
    },
  });

  if (existsSync(path)) {
    try {
      store.table.load(snapshotSchema.parse(JSON.parse(readFileSync(path, "utf8"))) as StoreSnapshot);
    } catch (error) {
      log({ level: "error", msg: "the state file is unreadable; starting with an empty cluster view", path, error: String(error) });
    }
  }

  return {
    store,
    flush() {
      clearTimeout(timer);
      return write();
    },
  };
}
