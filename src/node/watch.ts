/**
 * In-cluster source of the cluster view: lists and watches each kind the view holds, over the plain API client in
 * kube-api.ts. Every list (the first, and each relist after 410 Gone or a failure) is a sync that replaces the kind;
 * watch events are observations. Objects are reduced to records as they arrive, so the watch keeps nothing of its
 * own but a resourceVersion per kind: the store's records are the only copy.
 */
import { type ClusterKind, type ClusterRecord, clusterKinds, listPath, recordOf } from "../cluster/kinds.js";
import type { ClusterStore, ObserveOperation } from "../cluster/store.js";
import { ApiError, type ApiServer, listPaged, watchStream } from "./kube-api.js";

export interface WatchOptions {
  log?(line: Record<string, unknown>): void;
  /** Delay before listing again after a list or watch failed. */
  retryMs?: number;
  /** Objects per page of a list. */
  pageSize?: number;
}

export interface ClusterWatch {
  stop(): Promise<void>;
}

const operations: Record<string, ObserveOperation | undefined> = { ADDED: "upsert", MODIFIED: "upsert", DELETED: "delete" };

function resourceVersionOf(object: unknown): string | undefined {
  const version = (object as { metadata?: { resourceVersion?: unknown } } | null)?.metadata?.resourceVersion;
  return typeof version === "string" && version !== "" ? version : undefined;
}

export function watchCluster(api: ApiServer, store: ClusterStore, options: WatchOptions = {}): ClusterWatch {
  const log = options.log ?? ((line) => console.log(JSON.stringify(line)));
  const retryMs = options.retryMs ?? 5_000;
  const pageSize = options.pageSize ?? 500;
  const stopping = new AbortController();
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      stopping.signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
    });

  /** Lists the kind into the store; resolves to the version to watch from. */
  async function list(kind: ClusterKind): Promise<string> {
    const started = Date.now();
    const records: ClusterRecord[] = [];
    const version = await listPaged(
      api,
      listPath(kind),
      pageSize,
      (items) => {
        for (const item of items) {
          const record = recordOf(kind, item);
          if (record) records.push(record);
        }
      },
      stopping.signal,
    );
    // The list was taken after `started`: what was observed before then is what it replaces.
    const outcome = await store.replace({ [kind]: records }, Date.now() - started);
    if (!outcome.ok) throw new Error(outcome.error);
    log({ level: "info", msg: "watch: listed", kind, count: outcome.sync.counts[kind], truncated: outcome.sync.truncated.length > 0 });
    return version;
  }

  async function follow(kind: ClusterKind): Promise<void> {
    while (!stopping.signal.aborted) {
      try {
        let version = await list(kind);
        // A watch the server ends normally (its timeout) resumes from the last version seen; 410 Gone relists.
        while (!stopping.signal.aborted) {
          await watchStream(
            api,
            listPath(kind),
            version,
            (event) => {
              version = resourceVersionOf(event.object) ?? version;
              const operation = operations[event.type];
              if (!operation) return;
              const record = recordOf(kind, event.object);
              if (!record) return;
              store.observe(kind, record, operation).catch((error: unknown) => {
                log({ level: "error", msg: "watch: could not record a change", kind, error: String(error) });
              });
            },
            stopping.signal,
          );
        }
      } catch (error) {
        if (stopping.signal.aborted) return;
        if (error instanceof ApiError && error.status === 410) {
          log({ level: "info", msg: "watch: the version expired; listing again", kind });
          continue;
        }
        log({ level: "warn", msg: "watch: list or watch failed; retrying", kind, retryMs, error: String(error) });
        await pause(retryMs);
      }
    }
  }

  const running = clusterKinds.map((kind) => follow(kind));
  return {
    async stop() {
      stopping.abort();
      await Promise.allSettled(running);
    },
  };
}
