/**
 * The audit: what the webhook would say about objects that already exist. Each object goes through the one review
 * pipeline (`runReview`) as a CREATE, so the audit judges exactly as admission does. `stateward audit` audits a
 * List read from files (through `stateward check`); GET /audit and the Node server's scheduled reports audit the
 * cluster view's store, page by page, with the same functions.
 *
 * @example
 * const page = await auditStore(store, { policy, cluster: clusterViewOf(store) }, { limit: 500 });
 * if (page.ok) console.log(policyReports(page.audit.objects, new Date()));
 */
import type { ClusterKind, ClusterRecord } from "../cluster/kinds.js";
import { maxAuditCopyBytes } from "../cluster/records.js";
import { type ClusterStore, type KindSummary, maxRecordPage } from "../cluster/store.js";
import type { AuditCopy } from "../cluster/view.js";
import { type Exemption, renderFinding } from "../engine/finding.js";
import { type ReviewContext, runReview } from "../engine/review.js";
import type { Policy } from "../engine/types.js";
import { activeRules } from "../engine/validate.js";
import { apiVersionOf, type ReviewedKind } from "../k8s/kinds.js";
import type { AuditedFinding, AuditedObject } from "./policy-report.js";

/** The kinds the audit judges: the ones the webhook reviews. */
export const auditedKinds = ["StatefulSet", "PersistentVolumeClaim", "PodDisruptionBudget"] as const satisfies readonly (ReviewedKind & ClusterKind)[];

/** Which object an audit result concerns. */
export interface AuditedIdentity {
  apiVersion: string;
  kind: ReviewedKind;
  namespace: string;
  name: string;
  uid?: string;
}

/** An object's audit result: its findings, and the rules that ran on it (each one that found nothing is a pass). */
export function auditedObject(
  policy: Policy,
  identity: AuditedIdentity,
  findings: readonly AuditedFinding[],
  exempted: { exemptions: readonly Exemption[]; findings: readonly AuditedFinding[] } = { exemptions: [], findings: [] },
): AuditedObject {
  const rules = activeRules(policy.forNamespace(identity.namespace), identity.kind, "CREATE").map(({ rule }) => ({
    id: rule.id,
    summary: rule.summary,
  }));
  if (exempted.exemptions.length === 0) return { ...identity, rules, findings };
  return { ...identity, rules, findings, exemptions: exempted.exemptions, exempted: exempted.findings };
}

/**
 * Audits one object; undefined when the policy exempts it (its namespace or, never for an audit, its user), as the
 * webhook would let it through unreviewed.
 */
export async function auditObject(identity: AuditedIdentity, object: unknown, context: ReviewContext): Promise<AuditedObject | undefined> {
  const result = await runReview(
    { mode: "validate", kind: identity.kind, object, operation: "CREATE", namespace: identity.namespace },
    context,
  );
  if (result.outcome === "skipped") return undefined;
  if (result.outcome !== "findings") return auditedObject(context.policy, identity, result.outcome === "undecodable" ? result.problems.map(renderFinding) : []);
  return auditedObject(context.policy, identity, [...result.denials, ...result.warnings].map(renderFinding), {
    exemptions: result.exemptions,
    findings: result.exempted.map(renderFinding),
  });
}

/** Objects audited per request unless the caller asks otherwise. */
export const defaultAuditPage = 500;

export interface StoreAuditRequest {
  /** At most this many objects (capped at `maxRecordPage`). */
  limit: number;
  /** Where the previous page stopped (its `continue`); the start when absent. */
  continue?: string;
}

export interface StoreAudit {
  objects: AuditedObject[];
  /** Objects the policy exempts, as the webhook would let them through unreviewed. */
  exempt: number;
  /** Pass it back as `continue` for the next page; null when this page was the last. */
  continue: string | null;
  /** How complete the view of each audited kind is: an audit of an incomplete view misses objects. */
  view: Record<(typeof auditedKinds)[number], KindSummary>;
}

export type StoreAuditOutcome = { ok: true; audit: StoreAudit } | { ok: false; error: string };

/**
 * Objects reviewed together between two yields to the event loop. Together, so the rules' lookups of all of them
 * reach the store in a few batched calls (one round trip each to a Durable Object) rather than one per object; not
 * more, because on a Node server the audit shares the event loop with admission reviews, which must not wait for a
 * page of 5,000 objects (seconds of CPU, docs/performance.md).
 */
export const reviewedTogether = 250;

const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Audits a page of the store's StatefulSets, then claims, then budgets, `reviewedTogether` objects at a time. */
export async function auditStore(store: ClusterStore, context: ReviewContext, request: StoreAuditRequest): Promise<StoreAuditOutcome> {
  const start = parseContinue(request.continue);
  if (!start) return { ok: false, error: `continue: ${JSON.stringify(request.continue)} is not a continue token this audit gave` };
  let remaining = Math.max(1, Math.min(Math.floor(request.limit) || defaultAuditPage, maxRecordPage));
  const records: { kind: (typeof auditedKinds)[number]; record: ClusterRecord }[] = [];
  let next: string | null = null;
  for (let index = start.index, after = start.after; index < auditedKinds.length; index += 1, after = null) {
    const kind = auditedKinds[index]!;
    const page = await store.records(kind, after, remaining);
    for (const record of page.records) records.push({ kind, record });
    remaining -= page.records.length;
    if (page.next !== null) {
      next = `${index}:${page.next}`;
      break;
    }
    if (remaining === 0 && index + 1 < auditedKinds.length) {
      next = `${index + 1}:`;
      break;
    }
  }
  const audited: (AuditedObject | undefined)[] = [];
  for (let from = 0; from < records.length; from += reviewedTogether) {
    if (from > 0) await yieldToEventLoop();
    const chunk = records.slice(from, from + reviewedTogether);
    audited.push(...(await Promise.all(chunk.map(({ kind, record }) => auditRecord(kind, record, context)))));
  }
  const summary = await store.summary();
  return {
    ok: true,
    audit: {
      objects: audited.filter((o): o is AuditedObject => o !== undefined),
      exempt: audited.filter((o) => o === undefined).length,
      continue: next,
      view: Object.fromEntries(auditedKinds.map((kind) => [kind, summary.kinds[kind]])) as StoreAudit["view"],
    },
  };
}

/** Every page of the store's audit, in one list: for a caller in the same process as the store (the Node server). */
export async function auditWholeStore(store: ClusterStore, context: ReviewContext): Promise<StoreAudit> {
  const objects: AuditedObject[] = [];
  let exempt = 0;
  let token: string | undefined;
  for (;;) {
    const page = await auditStore(store, context, { limit: maxRecordPage, ...(token === undefined ? {} : { continue: token }) });
    if (!page.ok) throw new Error(page.error);
    objects.push(...page.audit.objects);
    exempt += page.audit.exempt;
    if (page.audit.continue === null) return { ...page.audit, objects, exempt };
    token = page.audit.continue;
  }
}

/** `<kind index>:<last key>`: the index ends at the first colon, the key is the rest, whatever it holds. */
function parseContinue(token: string | undefined): { index: number; after: string | null } | undefined {
  if (token === undefined || token === "") return { index: 0, after: null };
  const colon = token.indexOf(":");
  const index = Number(token.slice(0, colon));
  if (colon < 1 || !Number.isInteger(index) || index < 0 || index >= auditedKinds.length) return undefined;
  const after = token.slice(colon + 1);
  return { index, after: after === "" ? null : after };
}

async function auditRecord(kind: (typeof auditedKinds)[number], record: ClusterRecord, context: ReviewContext) {
  const { namespace, name, audit } = record as ClusterRecord & { namespace: string; audit?: AuditCopy };
  const identity: AuditedIdentity = { apiVersion: apiVersionOf(kind), kind, namespace, name };
  const notAudited = (reason: string, uid?: string) => ({
    ...auditedObject(context.policy, uid ? { ...identity, uid } : identity, []),
    notAudited: reason,
  });
  if (!audit) return notAudited("the cluster view holds no copy of this object yet; the next sync or list brings one");
  if ("tooLargeBytes" in audit) {
    return notAudited(`too large: ${audit.tooLargeBytes} bytes without managedFields and status, over the ${maxAuditCopyBytes} the cluster view keeps`, audit.uid);
  }
  if ("omittedBytes" in audit) {
    return notAudited("not kept: the server's memory for audit copies was full when this object arrived (stateward serve --audit-memory)", audit.uid);
  }
  let object: unknown;
  try {
    object = JSON.parse(audit.json);
  } catch {
    return notAudited("the cluster view's copy of this object is not JSON");
  }
  const uid = (object as { metadata?: { uid?: unknown } } | null)?.metadata?.uid;
  return auditObject(typeof uid === "string" && uid !== "" ? { ...identity, uid } : identity, object, context);
}
