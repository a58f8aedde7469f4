/**
 * From what the HTTP routes receive (an AdmissionRequest on /observe, a Kubernetes List on /inventory) to store
 * calls, so the HTTP layer passes objects through without knowing any kind.
 */
import { z } from "zod";
import type { AdmissionRequest } from "../admission/review.js";
import { type ClusterKind, clusterKinds, kindInfo, kindOfItem, kindOfResource, recordOf, resourceVersionOf } from "./kinds.js";
import { type ClusterStore, type ObserveOutcome, observationGraceMs, type SyncBatch, type SyncOutcome } from "./store.js";

export interface ObserveResult {
  kind?: ClusterKind;
  outcome: ObserveOutcome | "skipped";
  note?: string;
}

const skip = (note: string, kind?: ClusterKind): ObserveResult => ({ kind, outcome: "skipped", note });

/** Records what an admission request shows of a Service, StorageClass or StatefulSet. */
export async function observeRequest(store: ClusterStore, request: AdmissionRequest): Promise<ObserveResult> {
  const kind = kindOfResource(request.resource.group, request.resource.resource);
  if (!kind) return skip("kind is not observed");
  if (request.subResource) return skip(`sub-resource ${request.subResource} is not observed`, kind);
  // A dry run changes nothing in the cluster, so it must change nothing here.
  if (request.dryRun) return skip("dry run", kind);
  const namespace = request.namespace || "default";
  if (request.operation === "DELETE") {
    // API servers before 1.15 sent no oldObject on DELETE; the request still names the object.
    const old = request.oldObject ?? { metadata: { name: request.name, namespace: request.namespace } };
    const record = recordOf(kind, old, namespace);
    if (!record) return skip("the deleted object has no name", kind);
    return { kind, outcome: await store.observe(kind, record, "delete", resourceVersionOf(old)) };
  }
  if (request.operation !== "CREATE" && request.operation !== "UPDATE") return skip(`${request.operation} is not observed`, kind);
  const record = recordOf(kind, request.object, namespace);
  if (!record) return skip(`the object is not a ${kind} with a name`, kind);
  return { kind, outcome: await store.observe(kind, record, "upsert", resourceVersionOf(request.object)) };
}

/** `kubectl get services,storageclasses,statefulsets -A -o json` prints a `List`; `kubectl get services` a `ServiceList`. */
export const inventorySchema = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().regex(/List$/, "expected a Kubernetes List (kind List or <Kind>List)"),
  items: z.array(
    z.looseObject({
      apiVersion: z.string().optional(),
      kind: z.string().optional(),
      metadata: z.looseObject({ name: z.string().min(1), namespace: z.string().optional() }),
    }),
  ),
});

export type InventoryResult =
  | { ok: true; sync: SyncOutcome; replaced: ClusterKind[]; ignored: number }
  | { ok: false; error: string };

/**
 * Replaces the store's content with a List. A `List` replaces all three kinds (a kind with no items is now known to
 * be empty); a typed list such as `ServiceList` replaces only its kind. Items of other kinds are ignored.
 */
export async function syncInventory(store: ClusterStore, body: unknown): Promise<InventoryResult> {
  const parsed = inventorySchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, error: `not a Kubernetes List: ${issue.path.map(String).join(".") || "<root>"}: ${issue.message}` };
  }
  const list = parsed.data;
  const typed = list.kind === "List" ? undefined : list.kind.slice(0, -"List".length);
  const replaced: ClusterKind[] = typed === undefined ? [...clusterKinds] : clusterKinds.filter((k) => k === typed);
  if (typed !== undefined && replaced.length === 0) {
    return { ok: false, error: `kind: a ${list.kind} holds no ${clusterKinds.join(", ")}` };
  }
  const batch: SyncBatch = Object.fromEntries(replaced.map((k) => [k, []]));
  let ignored = 0;
  for (const [index, item] of list.items.entries()) {
    const kind = item.kind === undefined ? typed : kindOfItem(item.apiVersion ?? listApiVersion(typed, list.apiVersion), item.kind);
    if (!kind || !replaced.includes(kind as ClusterKind)) {
      ignored += 1;
      continue;
    }
    const record = recordOf(kind as ClusterKind, item, "default");
    if (!record) return { ok: false, error: `items[${index}]: not a ${kind} Stateward can read` };
    batch[kind as ClusterKind]!.push({ record, resourceVersion: resourceVersionOf(item) });
  }
  return { ok: true, sync: await store.replace(batch, observationGraceMs), replaced, ignored };
}

/** Items of a typed list carry no apiVersion of their own when the list comes straight from the API. */
function listApiVersion(typed: string | undefined, apiVersion: string | undefined): string {
  if (apiVersion) return apiVersion;
  const info = kindInfo[typed as ClusterKind];
  return info?.group ? `${info.group}/v1` : "v1";
}
