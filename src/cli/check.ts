/**
 * `stateward check`: runs the webhook's own validation (decoding, then every rule the policy switches on) over each
 * StatefulSet and PersistentVolumeClaim of the inputs, as a CREATE, with the other inputs as the cluster view.
 */
import { type FieldErrorType, formatFieldError } from "../engine/field.js";
import { decodeObject } from "../engine/decode.js";
import { type Finding, formatFinding } from "../engine/finding.js";
import type { Review } from "../engine/types.js";
import type { ReviewedKind } from "../k8s/kinds.js";
import { validate } from "../engine/validate.js";
import type { Policy } from "../policy/policy.js";
import { inputClusterView } from "./cluster.js";
import type { InputProblem, LoadResult, Manifest } from "./load.js";
import { locate } from "./locate.js";
import { subjectOf } from "./subject.js";

export interface LocatedFinding {
  ruleId: string;
  action: "deny" | "warn";
  /** The field path as Kubernetes renders it. */
  path: string;
  type: FieldErrorType;
  /** The finding without its rule id: `spec.serviceName: Not found: "mysql": ...`. */
  message: string;
  /** The finding as the webhook words it, rule id included. */
  text: string;
  line: number;
}

export interface ObjectResult {
  file: string;
  line: number;
  kind: ReviewedKind;
  apiVersion: string;
  namespace: string;
  name: string;
  /** metadata.uid, present on objects read from a cluster. */
  uid?: string;
  findings: LocatedFinding[];
}

export interface CheckReport {
  files: string[];
  objects: ObjectResult[];
  notes: InputProblem[];
  errors: InputProblem[];
}

export interface CheckOptions {
  policy: Policy;
  clusterView: boolean;
  /** The namespace of objects that do not name one. */
  namespace: string;
}

export function namespaceOf(object: Record<string, unknown>, fallback: string): string {
  const metadata = object.metadata as { namespace?: unknown } | undefined;
  return typeof metadata?.namespace === "string" && metadata.namespace !== "" ? metadata.namespace : fallback;
}

export function nameOf(object: Record<string, unknown>): string {
  const metadata = object.metadata as { name?: unknown; generateName?: unknown } | undefined;
  if (typeof metadata?.name === "string") return metadata.name;
  if (typeof metadata?.generateName === "string") return `${metadata.generateName}*`;
  return "";
}

function located(manifest: Manifest, finding: Finding): LocatedFinding {
  return {
    ruleId: finding.ruleId,
    action: finding.action,
    path: finding.error.path.toString(),
    type: finding.error.type,
    message: formatFieldError(finding.error),
    text: formatFinding(finding),
    line: locate(manifest, finding.error.path),
  };
}

export async function check(loaded: LoadResult, options: CheckOptions): Promise<CheckReport> {
  const cluster = inputClusterView(loaded.manifests, { enabled: options.clusterView, namespace: options.namespace });
  const notes = [...loaded.notes];
  const objects: ObjectResult[] = [];
  const seen = new Map<string, string>();
  for (const manifest of loaded.manifests) {
    const source = manifest.object as Record<string, unknown>;
    const subject = subjectOf(source);
    if (!subject.reviewed) {
      if (subject.note) notes.push({ file: manifest.file.name, line: manifest.line, message: subject.note });
      continue;
    }
    const namespace = namespaceOf(source, options.namespace);
    const name = nameOf(source);
    const identity = `${subject.kind} ${namespace}/${name}`;
    const earlier = seen.get(identity);
    if (earlier) {
      // Applying both makes the later one win; the cluster view holds the later one too.
      notes.push({ file: manifest.file.name, line: manifest.line, message: `${identity} is also defined at ${earlier}; applied together, this one replaces it` });
    } else {
      seen.set(identity, `${manifest.file.name}:${manifest.line}`);
    }
    const exemption = options.policy.exemption(namespace, undefined);
    if (exemption) {
      notes.push({
        file: manifest.file.name,
        line: manifest.line,
        message: `skipped ${subject.kind} ${JSON.stringify(name)}: ${exemption} by the policy`,
      });
      continue;
    }
    const findings: Finding[] = subject.apiFinding ? [subject.apiFinding] : [];
    const decoded = decodeObject(subject.kind, subject.object);
    if (decoded.problems.length > 0) {
      findings.push(...decoded.problems);
    } else {
      const review = { kind: subject.kind, object: decoded.object, oldObject: undefined } as Review;
      const { denials, warnings } = await validate(review, "CREATE", namespace, options.policy.forNamespace(namespace), cluster);
      findings.push(...denials, ...warnings);
    }
    objects.push({
      file: manifest.file.name,
      line: manifest.line,
      kind: subject.kind,
      apiVersion: String(source.apiVersion ?? ""),
      namespace,
      name,
      ...uidOf(source),
      findings: findings.map((f) => located(manifest, f)),
    });
  }
  return { files: loaded.files.map((f) => f.name), objects, notes, errors: loaded.errors };
}

function uidOf(object: Record<string, unknown>): { uid?: string } {
  const uid = (object.metadata as { uid?: unknown } | undefined)?.uid;
  return typeof uid === "string" && uid !== "" ? { uid } : {};
}

export function counts(report: CheckReport) {
  const all = report.objects.flatMap((o) => o.findings);
  return {
    files: report.files.length,
    objects: report.objects.length,
    denied: report.objects.filter((o) => o.findings.some((f) => f.action === "deny")).length,
    denials: all.filter((f) => f.action === "deny").length,
    warnings: all.filter((f) => f.action === "warn").length,
    errors: report.errors.length,
  };
}
