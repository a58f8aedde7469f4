/**
 * In-cluster source of the cluster view: lists and watches each kind the view holds, over the plain API client in
 * kube-api.ts. Every list (the first, and each relist once the watch's resourceVersion cannot be served) is a sync that
 * replaces the kind; watch events are observations. Objects are reduced to records as they arrive, so the watch keeps
 * nothing of its own but a resourceVersion per kind: the store's records are the only copy.
 *
 * Toward the API server it behaves as client-go's reflector (tools/cache/reflector.go) does: every retry waits a
 * capped, jittered exponential backoff; watches ask for bookmarks and for a `timeoutSeconds` spread between
 * `minWatchTimeout` and twice that; a watch resumes from the last resourceVersion it saw (an event's or a bookmark's)
 * and only a version the server cannot serve (410 Gone, `Expired`, `ResourceVersionTooLarge`) costs a new list. It adds
 * what the reflector leaves to its callers: a timeout on each list page, an idle timeout on watches, and a view that
 * says when a kind is stale.
 */
import type { ClusterKind, ClusterRecord } from "../cluster/kinds.js";
import { clusterKinds, listPath, recordOf } from "../cluster/kinds.js";
import type { ObserveOperation, WatchedStore } from "../cluster/store.js";
import type { ReadinessCheck } from "../http/health.js";
import { kinds } from "../k8s/kinds.js";
import { type ApiServer, listPaged, versionUnavailable, watchStream } from "./kube-api.js";

/** The watch's clock: every delay and timeout it keeps. Tests scale them down; the defaults are `reflectorTiming`. */
export interface WatchTiming {
  /** The first retry's delay; each retry doubles it (`backoffFactor`) up to `backoffCapMs`. */
  backoffInitialMs: number;
  backoffFactor: number;
  backoffCapMs: number;
  /** Each delay is stretched by a random part of itself up to this fraction: retries of many replicas spread out. */
  backoffJitter: number;
  /** A kind that has not retried for this long starts again from `backoffInitialMs`. */
  backoffResetMs: number;
  /** Watches ask the server to end them after a random time between this and twice this (`timeoutSeconds`). */
  minWatchTimeoutMs: number;
  /** A watch that receives nothing, not even a bookmark, for this long is closed and opened again. */
  watchIdleMs: number;
  /** Each list page must be answered in full within this. */
  listTimeoutMs: number;
  /**
   * A kind whose watch has been neither open nor listed for this long is stale: its lookups answer unknown and the
   * summary and /readyz say so. After a restart the state file's records are trusted this long before the first list.
   */
  staleAfterMs: number;
}

/**
 * client-go's reflector defaults (tools/cache/reflector.go): backoff from 800 ms doubling to 30 s with jitter 1.0, so
 * a kind in trouble settles at one retry every 30 to 60 s; reset after 2 minutes without one; watch timeouts between
 * 5 and 10 minutes. Ours on top: a list page gets the API server's own request timeout (1 minute); a watch may be
 * silent for twice the watch cache's bookmark period (1 minute) before it is reopened; and a kind is stale after
 * 90 s without an open watch or a list, longer than the longest backoff step (60 s) plus a list, so a server that
 * keeps expiring watches but answers lists (a 410 storm) does not flap the view between stale and current.
 */
export const reflectorTiming: Readonly<WatchTiming> = Object.freeze({
  backoffInitialMs: 800,
  backoffFactor: 2,
  backoffCapMs: 30_000,
  backoffJitter: 1,
  backoffResetMs: 120_000,
  minWatchTimeoutMs: 300_000,
  watchIdleMs: 120_000,
  listTimeoutMs: 60_000,
  staleAfterMs: 90_000,
});

export interface WatchOptions {
  log?(line: Record<string, unknown>): void;
  /** Objects per page of a list. */
  pageSize?: number;
  timing?: Partial<WatchTiming>;
  /** In [0, 1): jitter and watch timeouts. */
  random?: () => number;
}

export interface ClusterWatch {
  /** The view's freshness for /readyz: ready always (see `readiness`), degraded while a kind is stale. */
  readiness(): ReadinessCheck;
  stop(): Promise<void>;
}

/**
 * The delays of one kind's retries: client-go's exponential backoff with jitter (apimachinery's wait.Backoff, as the
 * reflector configures it), reset once no retry was asked for `backoffResetMs`. That reset is the quiet period of the
 * older ExponentialBackoffManager; today's wait.Backoff.DelayWithReset resets every 2 minutes even in the middle of a
 * storm, which would start a burst of quick retries every 2 minutes against a server in trouble.
 */
export function backoff(timing: WatchTiming, random: () => number = Math.random, now: () => number = Date.now): () => number {
  let step = timing.backoffInitialMs;
  let lastAsked = -Infinity;
  return () => {
    const at = now();
    if (at - lastAsked > timing.backoffResetMs) step = timing.backoffInitialMs;
    lastAsked = at;
    const delay = step * (1 + random() * timing.backoffJitter);
    step = Math.min(step * timing.backoffFactor, timing.backoffCapMs);
    return delay;
  };
}

const operations: Record<string, ObserveOperation | undefined> = { ADDED: "upsert", MODIFIED: "upsert", DELETED: "delete" };

function resourceVersionOf(object: unknown): string | undefined {
  const version = (object as { metadata?: { resourceVersion?: unknown } } | null)?.metadata?.resourceVersion;
  return typeof version === "string" && version !== "" ? version : undefined;
}

/** The reflector's "very short watch": closed within a second with no event, it is a failure, not a normal end. */
const shortWatchMs = 1_000;

/**
 * One kind's freshness. The kind is current while its watch is open; once the watch is lost (the stream ended, a list
 * or watch failed) a timer runs, and if no watch opens and no list completes within `staleAfterMs` of the last word
 * from the API server, the kind turns stale in the store. One log line per change of state, whatever the retries.
 */
class Freshness {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #state: "unconfirmed" | "current" | "stale" = "unconfirmed";
  #open = false;
  #heardAt: number;
  /** The last failure, for the stale line and reason. */
  error = "";
  /** Failures since the API server last answered for the kind. */
  failures = 0;

  constructor(
    readonly kind: ClusterKind,
    private readonly store: WatchedStore,
    private readonly staleAfterMs: number,
    private readonly log: (line: Record<string, unknown>) => void,
  ) {
    this.#heardAt = Date.now();
    store.setFreshness(kind, { state: "unconfirmed", trustedUntil: this.#heardAt + staleAfterMs });
    this.#arm();
  }

  get state() {
    return this.#state;
  }

  /** A list completed, or a watch opened or delivered something: the records are as current as the server's. */
  heard() {
    this.#heardAt = Date.now();
    if (this.#state !== "current") {
      if (this.#state === "stale") {
        this.log({ level: "info", msg: "watch: current again", kind: this.kind, failures: this.failures });
      }
      this.#state = "current";
      this.store.setFreshness(this.kind, { state: "current" });
    }
    this.failures = 0;
    this.#arm();
  }

  opened() {
    this.#open = true;
    this.heard();
  }

  /** The stream ended: what it carried is known up to now, and the timer starts. */
  closed() {
    this.#open = false;
    this.heard();
  }

  failed(error: unknown) {
    this.failures += 1;
    this.error = String(error);
    // A stale kind's reason follows the latest failure; it is not a new state, so no line is logged.
    if (this.#state === "stale") this.store.setFreshness(this.kind, { state: "stale", since: this.#heardAt, reason: this.#reason() });
  }

  #reason() {
    const { plural } = kinds[this.kind];
    const seconds = this.staleAfterMs / 1000;
    return this.error
      ? `no list or watch of ${plural} has succeeded for ${seconds} s; the last failure: ${this.error}`
      : `no list of ${plural} has completed in the ${seconds} s since the server started`;
  }

  #arm() {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#open || this.#state === "stale") return;
    this.#timer = setTimeout(() => this.#turnStale(), Math.max(0, this.#heardAt + this.staleAfterMs - Date.now()));
    this.#timer.unref?.();
  }

  #turnStale() {
    this.#state = "stale";
    this.store.setFreshness(this.kind, { state: "stale", since: this.#heardAt, reason: this.#reason() });
    this.log({ level: "warn", msg: "watch: stale", kind: this.kind, since: new Date(this.#heardAt).toISOString(), failures: this.failures, error: this.error });
  }

  stop() {
    clearTimeout(this.#timer);
  }
}

export function watchCluster(api: ApiServer, store: WatchedStore, options: WatchOptions = {}): ClusterWatch {
  const log = options.log ?? ((line) => console.log(JSON.stringify(line)));
  const timing: WatchTiming = { ...reflectorTiming, ...options.timing };
  const random = options.random ?? Math.random;
  const pageSize = options.pageSize ?? 500;
  const stopping = new AbortController();
  // Each pause removes its listener when it ends: a kind retrying for days must not pile them up on the signal.
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const stop = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        stopping.signal.removeEventListener("abort", stop);
        resolve();
      }, ms);
      stopping.signal.addEventListener("abort", stop, { once: true });
    });

  /** Lists the kind into the store; resolves to the version to watch from. */
  async function list(kind: ClusterKind): Promise<{ version: string; count: number | undefined }> {
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
      timing.listTimeoutMs,
    );
    // The list was taken after `started`: what was observed before then is what it replaces.
    const outcome = await store.replace({ [kind]: records }, Date.now() - started);
    if (!outcome.ok) throw new Error(outcome.error);
    return { version, count: outcome.sync.counts[kind] };
  }

  /** Watches from `version` until the stream ends; resolves to the last version seen and whether it ended normally. */
  async function watch(kind: ClusterKind, version: string, freshness: Freshness): Promise<{ version: string; normal: boolean }> {
    const started = Date.now();
    let events = 0;
    let opened = false;
    try {
      const end = await watchStream(
        api,
        listPath(kind),
        {
          resourceVersion: version,
          timeoutSeconds: Math.max(1, Math.round((timing.minWatchTimeoutMs * (1 + random())) / 1000)),
          idleTimeoutMs: timing.watchIdleMs,
          signal: stopping.signal,
          onOpen: () => {
            opened = true;
            freshness.opened();
          },
        },
        (event) => {
          events += 1;
          freshness.heard();
          version = resourceVersionOf(event.object) ?? version;
          // A BOOKMARK only moves the version on.
          const operation = operations[event.type];
          if (!operation) return;
          const record = recordOf(kind, event.object);
          if (!record) return;
          store.observe(kind, record, operation).catch((error: unknown) => {
            log({ level: "error", msg: "watch: could not record a change", kind, error: String(error) });
          });
        },
      );
      if (!opened) {
        freshness.failed(`GET ${listPath(kind)}?watch=true: no answer within ${timing.watchIdleMs / 1000} s`);
        return { version, normal: false };
      }
      freshness.closed();
      const normal = end === "idle" || events > 0 || Date.now() - started >= shortWatchMs;
      if (!normal) freshness.failed(`the watch from resourceVersion ${version} ended within a second with no event`);
      return { version, normal };
    } catch (error) {
      // A watch the server refused was never open: it tells nothing of the kind.
      if (opened) freshness.closed();
      throw error;
    }
  }

  const freshnessOf = new Map(clusterKinds.map((kind) => [kind, new Freshness(kind, store, timing.staleAfterMs, log)]));

  async function follow(kind: ClusterKind): Promise<void> {
    const freshness = freshnessOf.get(kind)!;
    const delay = backoff(timing, random);
    let listed = false;
    /** The version to resume from; undefined when only a new list can go on. */
    let version: string | undefined;
    let quietRetries = true;
    for (let first = true; !stopping.signal.aborted; first = false) {
      if (!first) await pause(delay());
      if (stopping.signal.aborted) return;
      try {
        if (version === undefined) {
          const listedNow = await list(kind);
          version = listedNow.version;
          freshness.heard();
          if (!listed) log({ level: "info", msg: "watch: listed", kind, count: listedNow.count });
          listed = true;
        }
        const { version: last, normal } = await watch(kind, version, freshness);
        version = last;
        if (normal) {
          quietRetries = true;
          continue;
        }
      } catch (error) {
        if (stopping.signal.aborted) return;
        freshness.failed(error);
        // A version the server cannot serve costs a new list; anything else resumes from the same version.
        if (versionUnavailable(error)) version = undefined;
      }
      // One line per run of failures (until a watch runs normally again), not one per retry.
      if (quietRetries) {
        const msg = version === undefined && listed ? "watch: listing again with backoff" : "watch: list or watch failed; retrying with backoff";
        log({ level: "warn", msg, kind, error: freshness.error });
        quietRetries = false;
      }
    }
  }

  const running = clusterKinds.map((kind) => follow(kind));
  return {
    readiness() {
      const stale = clusterKinds.filter((kind) => freshnessOf.get(kind)!.state === "stale");
      if (stale.length > 0) {
        return { name: "cluster-view", ready: true, degraded: true, detail: `stale: ${stale.map((k) => kinds[k].plural).join(", ")} (rules answer "could not verify")` };
      }
      const unconfirmed = clusterKinds.filter((kind) => freshnessOf.get(kind)!.state === "unconfirmed");
      if (unconfirmed.length > 0) return { name: "cluster-view", ready: true, detail: `listing ${unconfirmed.map((k) => kinds[k].plural).join(", ")}` };
      return { name: "cluster-view", ready: true, detail: "watching" };
    },
    async stop() {
      stopping.abort();
      await Promise.allSettled(running);
      for (const freshness of freshnessOf.values()) freshness.stop();
    },
  };
}
