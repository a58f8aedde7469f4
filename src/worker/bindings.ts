/** The Worker's cluster view and store from its bindings: the Durable Object instance named after the cluster. */
import { type ClusterStoreObject, durableClusterStore } from "./durable-store.js";
import { type ClusterStore, clusterViewOf } from "../cluster/store.js";
import { type ClusterView, emptyClusterView } from "../cluster/view.js";

export interface ClusterBindings {
  /** Names the cluster whose store this Worker uses; one Worker can serve several clusters under different names. */
  STATEWARD_CLUSTER?: string;
  CLUSTER?: DurableObjectNamespace<ClusterStoreObject>;
}

export const defaultClusterName = "default";

const unbound = emptyClusterView("the CLUSTER Durable Object binding is not configured");

/** A stub belongs to the request that made it: call this per request, never cache the result across requests. */
export function clusterFromBindings(env: ClusterBindings): { cluster: ClusterView; store?: ClusterStore } {
  if (!env.CLUSTER) return { cluster: unbound };
  const id = env.CLUSTER.idFromName(env.STATEWARD_CLUSTER || defaultClusterName);
  const store = durableClusterStore(env.CLUSTER.get(id));
  return { cluster: clusterViewOf(store), store };
}
