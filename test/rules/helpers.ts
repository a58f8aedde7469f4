/** Shared helpers of the StatefulSet rule tests: fixtures, a base object, and one rule run through the engine. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { type ClusterView, emptyClusterView, memoryClusterView, type ServiceRecord } from "../../src/cluster/view.js";
import { formatFinding } from "../../src/engine/finding.js";
import type { Operation } from "../../src/engine/types.js";
import type { StatefulSet } from "../../src/k8s/objects.js";
import type { PolicyDocument } from "../../src/policy/policy.js";
import { engineFindings, findingsOf } from "./run.js";

const fixtures = fileURLToPath(new URL("../fixtures/", import.meta.url));

/** Every document of a YAML fixture, e.g. `seeds/000-web.yaml` or `corpus/<file>.yaml`. */
export function yamlDocs(path: string): Record<string, unknown>[] {
  return parseAllDocuments(readFileSync(`${fixtures}${path}`, "utf8"))
    .map((doc) => doc.toJS() as Record<string, unknown> | null)
    .filter((doc): doc is Record<string, unknown> => doc !== null);
}

/** The StatefulSet called `name` in a seed manifest (`000-web.yaml`). */
export function seedStatefulSet(file: string, name: string): StatefulSet {
  return docOf(`seeds/${file}`, "StatefulSet", name) as StatefulSet;
}

export function corpusStatefulSet(file: string, name: string): StatefulSet {
  return docOf(`corpus/${file}`, "StatefulSet", name) as StatefulSet;
}

function docOf(path: string, kind: string, name: string): Record<string, unknown> {
  const doc = yamlDocs(path).find((d) => d.kind === kind && (d.metadata as { name?: string } | undefined)?.name === name);
  if (!doc) throw new Error(`no ${kind} ${name} in ${path}`);
  return doc;
}

/** A Service of a YAML fixture as the cluster view records it. */
export function serviceOf(path: string, name: string, namespace = "default"): ServiceRecord {
  const doc = docOf(path, "Service", name) as { spec?: { clusterIP?: string; selector?: Record<string, string> } };
  return { namespace, name, clusterIP: doc.spec?.clusterIP ?? null, selector: doc.spec?.selector ?? null };
}

export interface AdmissionCase {
  operation: Operation;
  namespace: string;
  object: StatefulSet;
  oldObject: StatefulSet | undefined;
}

/** The request of an AdmissionReview fixture: objects exactly as a real API server sends them (defaulted). */
export function admissionRequest(file: string): AdmissionCase {
  const review = JSON.parse(readFileSync(`${fixtures}admission/${file}`, "utf8")) as {
    request: { operation: Operation; namespace: string; object: StatefulSet; oldObject?: StatefulSet | null };
  };
  const { operation, namespace, object, oldObject } = review.request;
  return { operation, namespace, object, oldObject: oldObject ?? undefined };
}

/** A small, valid StatefulSet in the shape of the seeds; tests change what they are about. */
export function baseStatefulSet(): StatefulSet {
  return structuredClone({
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "web", namespace: "default" },
    spec: {
      serviceName: "web-headless",
      replicas: 2,
      selector: { matchLabels: { app: "nginx" } },
      template: {
        metadata: { labels: { app: "nginx" } },
        spec: {
          terminationGracePeriodSeconds: 10,
          containers: [
            {
              name: "nginx",
              image: "nginx:1.27",
              readinessProbe: { httpGet: { path: "/", port: 80 } },
              volumeMounts: [{ name: "www", mountPath: "/usr/share/nginx/html" }],
            },
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: "www" },
          spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
        },
      ],
    },
  });
}

export const headlessWeb: ServiceRecord = {
  namespace: "default",
  name: "web-headless",
  clusterIP: "None",
  selector: { app: "nginx" },
};

export interface RunOptions {
  operation?: Operation;
  oldObject?: StatefulSet;
  namespace?: string;
  /** The policy document; the built-in defaults when left out. */
  policy?: PolicyDocument;
  /** Services the cluster view knows (an empty list: known to hold none); no view at all when left out. */
  services?: ServiceRecord[];
  cluster?: ClusterView;
}

export interface RuleRun {
  /** Formatted findings of the rule that deny, as in status.message. */
  denials: string[];
  /** Formatted findings of the rule that warn, as in response.warnings. */
  warnings: string[];
}

/** Runs the whole engine under a policy and keeps the findings of rule `ruleId` (which must be in the registry). */
export async function runRule(ruleId: string, object: StatefulSet, options: RunOptions = {}): Promise<RuleRun> {
  const all = await engineFindings({
    subject: { kind: "StatefulSet", object, oldObject: options.oldObject },
    operation: options.operation,
    namespace: options.namespace ?? "default",
    policy: options.policy,
    cluster: options.cluster ?? (options.services ? memoryClusterView({ services: options.services }) : emptyClusterView()),
  });
  const mine = findingsOf(ruleId, all);
  const formatted = (action: "deny" | "warn") => mine.filter((f) => f.action === action).map((f) => formatFinding(f));
  return { denials: formatted("deny"), warnings: formatted("warn") };
}

/** Runs an AdmissionReview fixture's request through the engine and keeps rule `ruleId`'s findings. */
export function runAdmission(ruleId: string, file: string, options: Omit<RunOptions, "operation" | "oldObject" | "namespace"> = {}) {
  const request = admissionRequest(file);
  return runRule(ruleId, request.object, {
    ...options,
    operation: request.operation,
    oldObject: request.oldObject,
    namespace: request.namespace,
  });
}

export const none: RuleRun = { denials: [], warnings: [] };
