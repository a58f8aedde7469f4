/** Shared helpers for the storage rules' tests: fixtures, reviews, and findings formatted as users read them. */
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { type ClusterView, emptyClusterView } from "../../src/cluster/view.js";
import { type Finding, formatFinding } from "../../src/engine/finding.js";
import type { Operation, DecodedObjects } from "../../src/engine/types.js";
import type { PersistentVolumeClaim, StatefulSet } from "../../src/k8s/objects.js";
import { engineFindings, findingsOf } from "./run.js";

const fixtures = fileURLToPath(new URL("../fixtures/", import.meta.url));

type Manifest = Record<string, unknown> & { kind?: string; metadata?: { name?: string } };

/** Every object of a multi-document YAML file under test/fixtures, with `List` items flattened. */
export function manifests(relative: string): Manifest[] {
  const docs = parseAllDocuments(readFileSync(fixtures + relative, "utf8"))
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((doc): doc is Manifest => doc !== null && typeof doc === "object");
  return docs.flatMap((doc) => (doc.kind === "List" ? ((doc.items as Manifest[] | undefined) ?? []) : [doc]));
}

/** The one object of `kind` (and `name`) in a fixture file. */
export function manifest(relative: string, kind: string, name?: string): Manifest {
  const found = manifests(relative).find((m) => m.kind === kind && (name === undefined || m.metadata?.name === name));
  if (!found) throw new Error(`no ${kind} ${name ?? ""} in ${relative}`);
  return found;
}

export const fixtureFiles = (dir: "seeds" | "corpus") =>
  readdirSync(fixtures + dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => `${dir}/${f}`);

interface AdmissionRequest {
  operation: Operation;
  namespace: string;
  kind: { kind: string };
  object: unknown;
  oldObject: unknown;
}

/** `request` of an AdmissionReview fixture, as a real API server sent it. */
export function admission(name: string): AdmissionRequest {
  return (JSON.parse(readFileSync(`${fixtures}admission/${name}`, "utf8")) as { request: AdmissionRequest }).request;
}

export const clone = <T>(value: T): T => structuredClone(value);

export function review(object: unknown, oldObject?: unknown): DecodedObjects {
  const kind = (object as Manifest).kind;
  if (kind === "StatefulSet") {
    return { kind, object: object as StatefulSet, oldObject: oldObject as StatefulSet | undefined };
  }
  if (kind === "PersistentVolumeClaim") {
    return { kind, object: object as PersistentVolumeClaim, oldObject: oldObject as PersistentVolumeClaim | undefined };
  }
  throw new Error(`not a reviewed kind: ${String(kind)}`);
}

export const reviewOf = (request: AdmissionRequest): DecodedObjects => review(request.object, request.oldObject ?? undefined);

export interface Options {
  policy?: unknown;
  cluster?: ClusterView;
  operation?: Operation;
  namespace?: string;
}

export interface Findings {
  deny: string[];
  warn: string[];
}

/** Every finding of the whole registry on one review. */
export function allFindings(subject: DecodedObjects, options: Options = {}): Promise<Finding[]> {
  return engineFindings({
    subject,
    operation: options.operation,
    namespace: options.namespace ?? "default",
    policy: options.policy,
    cluster: options.cluster ?? emptyClusterView(),
  });
}

/** Rule `ruleId`'s findings among `all`, formatted as kubectl shows them; the id must be in the registry. */
export function formattedFindings(ruleId: string, all: readonly Finding[]): Findings {
  const mine = findingsOf(ruleId, all);
  const formatted = (action: "deny" | "warn") => mine.filter((f) => f.action === action).map((f) => formatFinding(f));
  return { deny: formatted("deny"), warn: formatted("warn") };
}

/** Runs the whole registry through `validate()` and keeps the findings of `ruleId`, formatted as kubectl shows them. */
export async function findings(ruleId: string, subject: DecodedObjects, options: Options = {}): Promise<Findings> {
  return formattedFindings(ruleId, await allFindings(subject, options));
}

export const none: Findings = { deny: [], warn: [] };

/** A minimal claim template or PVC spec, so each test spells out only what it is about. */
export function pvc(name: string, spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name, ...metadata },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, ...spec },
  };
}

export function statefulSet(name: string, templates: unknown[]) {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name },
    spec: {
      serviceName: name,
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: "main",
              image: "busybox",
              volumeMounts: templates.map((t) => ({
                name: (t as Manifest).metadata?.name,
                mountPath: `/${(t as Manifest).metadata?.name}`,
              })),
            },
          ],
        },
      },
      volumeClaimTemplates: templates.map((t) => {
        const { apiVersion: _a, kind: _k, ...rest } = t as Manifest;
        return rest;
      }),
    },
  };
}

/** Every PVC and every StatefulSet with claim templates in the seeds and the corpus. */
export function claimSubjects(): { file: string; subject: DecodedObjects; name: string }[] {
  const out: { file: string; subject: DecodedObjects; name: string }[] = [];
  for (const file of [...fixtureFiles("seeds"), ...fixtureFiles("corpus")]) {
    for (const m of manifests(file)) {
      const isClaim = m.kind === "PersistentVolumeClaim";
      const hasTemplates =
        m.kind === "StatefulSet" &&
        String(m.apiVersion) === "apps/v1" &&
        ((m.spec as { volumeClaimTemplates?: unknown[] } | undefined)?.volumeClaimTemplates?.length ?? 0) > 0;
      if (isClaim || hasTemplates) out.push({ file, subject: review(m), name: `${m.kind}/${m.metadata?.name}` });
    }
  }
  return out;
}
