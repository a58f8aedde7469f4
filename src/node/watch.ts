/**
 * In-cluster source of the cluster view: list and watch Services, StorageClasses and StatefulSets with
 * @kubernetes/client-node informers. Every list (the first, and each relist after 410 Gone) is a sync that replaces
 * the kind; watch events are observations.
 */
import {
  AppsV1Api,
  CoreV1Api,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  makeInformer,
  PolicyV1Api,
  StorageV1Api,
} from "@kubernetes/client-node";
import { type ClusterKind, type ClusterRecord, clusterKinds, listPath, recordOf } from "../cluster/kinds.js";
import type { ClusterStore, ObserveOperation } from "../cluster/store.js";

type List = KubernetesListObject<KubernetesObject>;

function sources(kc: KubeConfig): Record<ClusterKind, () => Promise<List>> {
  const core = kc.makeApiClient(CoreV1Api);
  const storage = kc.makeApiClient(StorageV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const policy = kc.makeApiClient(PolicyV1Api);
  return {
    Service: () => core.listServiceForAllNamespaces() as Promise<List>,
    StorageClass: () => storage.listStorageClass() as Promise<List>,
    StatefulSet: () => apps.listStatefulSetForAllNamespaces() as Promise<List>,
    PersistentVolumeClaim: () => core.listPersistentVolumeClaimForAllNamespaces() as Promise<List>,
    PodDisruptionBudget: () => policy.listPodDisruptionBudgetForAllNamespaces() as Promise<List>,
  };
}

export interface WatchOptions {
  log?(line: Record<string, unknown>): void;
  /** Delay before restarting an informer whose list or watch failed. */
  retryMs?: number;
}

export interface ClusterWatch {
  stop(): Promise<void>;
}

export function watchCluster(kc: KubeConfig, store: ClusterStore, options: WatchOptions = {}): ClusterWatch {
  const log = options.log ?? ((line) => console.log(JSON.stringify(line)));
  const retryMs = options.retryMs ?? 5_000;
  let stopped = false;
  const timers = new Set<ReturnType<typeof setTimeout>>();

  const all = sources(kc);
  const informers = clusterKinds.map((kind) => {
    const listAndSync = async (): Promise<List> => {
      const started = Date.now();
      const list = await all[kind]();
      const records: ClusterRecord[] = [];
      for (const object of list.items ?? []) {
        const record = recordOf(kind, object);
        if (record) records.push(record);
      }
      // The list was taken after `started`: events observed before then are what it replaces.
      const outcome = await store.replace({ [kind]: records }, Date.now() - started);
      if (!outcome.ok) throw new Error(outcome.error);
      log({ level: "info", msg: "watch: listed", kind, count: outcome.sync.counts[kind], truncated: outcome.sync.truncated.length > 0 });
      return list;
    };
    const informer = makeInformer(kc, listPath(kind), listAndSync);
    const observe = (operation: ObserveOperation) => (object: KubernetesObject) => {
      const record = recordOf(kind, object);
      if (!record) return;
      store.observe(kind, record, operation).catch((error: unknown) => {
        log({ level: "error", msg: "watch: could not record a change", kind, error: String(error) });
      });
    };
    informer.on("add", observe("upsert"));
    informer.on("update", observe("upsert"));
    informer.on("delete", observe("delete"));
    // An informer stops on any error other than 410 Gone; restart it after a pause, with a fresh list.
    informer.on("error", (error: unknown) => {
      if (stopped) return;
      log({ level: "warn", msg: "watch: list or watch failed; retrying", kind, retryMs, error: String(error) });
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!stopped) informer.start().catch(() => undefined);
      }, retryMs);
      timers.add(timer);
    });
    informer.start().catch(() => undefined);
    return informer;
  });

  return {
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      await Promise.all(informers.map((informer) => informer.stop()));
    },
  };
}
