/**
 * From what the HTTP routes receive (an AdmissionRequest on /observe, a Kubernetes List on /inventory, the pages of a
 * sync) to store calls, so the HTTP layer passes bodies through without knowing any kind.
 */
import * as z from "zod";
import type { AdmissionRequest } from "../k8s/admission.js";
import { fieldPathOf } from "../k8s/field.js";
import { kinds, namespaceOr } from "../k8s/kinds.js";
import { type ClusterKind, type ClusterRecord, clusterKinds, clusterKindOfObject, clusterKindOfResource, recordOf } from "./kinds.js";
import { recordSchemas } from "./records.js";
import {
  type ClusterStore,
  type ObserveOutcome,
  observationGraceMs,
  type OpenOutcome,
  type PageOutcome,
  type SyncBatch,
  type SyncFailure,
  type SyncOutcome,
} from "./store.js";

export interface ObserveResult {
  kind?: ClusterKind;
  outcome: ObserveOutcome | "skipped";
  note?: string;
}

const skip = (note: string, kind?: ClusterKind): ObserveResult => ({ kind, outcome: "skipped", note });

/** Records what an admission request shows of an object of a kind the view holds. */
export async function observeRequest(store: ClusterStore, request: AdmissionRequest): Promise<ObserveResult> {
  const kind = clusterKindOfResource(request.resource.group, request.resource.resource);
  if (!kind) return skip("kind is not observed");
  if (request.subResource) return skip(`sub-resource ${request.subResource} is not observed`, kind);
  // A dry run changes nothing in the cluster, so it must change nothing here.
  if (request.dryRun) return skip("dry run", kind);
  const namespace = namespaceOr(request.namespace);
  if (request.operation === "DELETE") {
    // API servers before 1.15 sent no oldObject on DELETE; the request still names the object.
    const old = request.oldObject ?? { metadata: { name: request.name, namespace: request.namespace } };
    const record = recordOf(kind, old, namespace);
    if (!record) return skip("the deleted object has no name", kind);
    return { kind, outcome: await store.observe(kind, record, "delete") };
  }
  if (request.operation !== "CREATE" && request.operation !== "UPDATE") return skip(`${request.operation} is not observed`, kind);
  const record = recordOf(kind, request.object, namespace);
  if (!record) return skip(`the object is not a ${kind} with a name`, kind);
  return { kind, outcome: await store.observe(kind, record, "upsert") };
}

/** `kubectl get services,storageclasses,... -A -o json` prints a `List`; `kubectl get services` a `ServiceList`. */
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
  | SyncFailure;

const issueText = (issue: z.core.$ZodIssue) => `${fieldPathOf(issue.path)}: ${issue.message}`;

/**
 * Replaces the store's content with a List. A `List` replaces every kind the view holds (a kind with no items is now
 * known to be empty); a typed list such as `ServiceList` replaces only its kind. Items of other kinds are ignored.
 * The List was taken before this request, by up to `observationGraceMs`.
 */
export async function syncInventory(store: ClusterStore, body: unknown): Promise<InventoryResult> {
  const parsed = inventorySchema.safeParse(body);
  if (!parsed.success) return { ok: false, status: 400, error: `not a Kubernetes List: ${issueText(parsed.error.issues[0]!)}` };
  const list = parsed.data;
  const typed = list.kind === "List" ? undefined : list.kind.slice(0, -"List".length);
  const replaced: ClusterKind[] = typed === undefined ? [...clusterKinds] : clusterKinds.filter((k) => k === typed);
  if (typed !== undefined && replaced.length === 0) {
    return { ok: false, status: 400, error: `kind: a ${list.kind} holds no ${clusterKinds.join(", ")}` };
  }
  const batch: SyncBatch = Object.fromEntries(replaced.map((k) => [k, []]));
  let ignored = 0;
  for (const [index, item] of list.items.entries()) {
    const kind = item.kind === undefined ? typed : clusterKindOfObject(item.apiVersion ?? listApiVersion(typed, list.apiVersion), item.kind);
    if (!kind || !replaced.includes(kind as ClusterKind)) {
      ignored += 1;
      continue;
    }
    const record = recordOf(kind as ClusterKind, item);
    if (!record) return { ok: false, status: 400, error: `items[${index}]: not a ${kind} Stateward can read` };
    batch[kind as ClusterKind]!.push(record);
  }
  const committed = await store.replace(batch, observationGraceMs);
  return committed.ok ? { ok: true, sync: committed.sync, replaced, ignored } : committed;
}

/** Items of a typed list carry no apiVersion of their own when the list comes straight from the API. */
function listApiVersion(typed: string | undefined, apiVersion: string | undefined): string {
  if (apiVersion) return apiVersion;
  const info = kinds[typed as ClusterKind];
  return info?.group ? `${info.group}/${info.version}` : "v1";
}

/** The body that opens a paged sync: the kinds it replaces. */
export const syncOpenSchema = z.strictObject({ kinds: z.array(z.enum(clusterKinds)).min(1) });

/** Records in one page; a page is one kind's records, as the sync lists one kind at a time. */
export const maxPageRecords = 5_000;

/** One page of a sync: records of one kind, reduced to what the rules read (`recordSchemas`). */
export const syncPageSchema = z.strictObject({
  kind: z.enum(clusterKinds),
  records: z.array(z.unknown()).max(maxPageRecords),
});
export type SyncPage = { kind: ClusterKind; records: ClusterRecord[] };

type Refused = { ok: false; status: 400; error: string };

export async function openSync(store: ClusterStore, body: unknown): Promise<OpenOutcome | Refused> {
  const parsed = syncOpenSchema.safeParse(body);
  if (!parsed.success) return { ok: false, status: 400, error: `not a sync request: ${issueText(parsed.error.issues[0]!)}` };
  return store.openSync([...new Set(parsed.data.kinds)]);
}

export async function stageSyncPage(store: ClusterStore, session: string, body: unknown): Promise<PageOutcome | Refused> {
  const parsed = syncPageSchema.safeParse(body);
  if (!parsed.success) return { ok: false, status: 400, error: `not a sync page: ${issueText(parsed.error.issues[0]!)}` };
  const { kind, records } = parsed.data;
  const schema = recordSchemas[kind];
  const checked: ClusterRecord[] = [];
  for (const [index, record] of records.entries()) {
    const one = schema.safeParse(record);
    if (!one.success) return { ok: false, status: 400, error: `records[${index}]: not a ${kind} record: ${issueText(one.error.issues[0]!)}` };
    checked.push(one.data);
  }
  return store.stageSync(session, { [kind]: checked });
}
