/**
 * Runs every StatefulSet and PVC of the real-world corpus through the /validate handler, with the sibling files of the same
 * upstream folder as the cluster view (built as `stateward check` builds it), the way `kubectl apply -f <folder>`
 * would meet a cluster that has them.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { reviewAdmission } from "../../src/admission/handler.js";
import type { AdmissionRequest } from "../../src/k8s/admission.js";
import { inputClusterView } from "../../src/cli/cluster.js";
import { formatFinding } from "../../src/engine/finding.js";
import { apiVersionOf, kinds, type ReviewedKind, reviewedKinds } from "../../src/k8s/kinds.js";
import { loadPolicy } from "../../src/policy/policy.js";

export const corpusDir = "test/fixtures/corpus";

interface Doc {
  file: string;
  object: Record<string, any>;
}

/**
 * The files that are applied together: the upstream folder of application manifests, but each file alone for the
 * policy tools' test data (kube-score testdata, Gatekeeper samples, Kyverno tests), where every file is its own case.
 */
export function applyGroup(file: string): string {
  if (/__(testdata|samples|kyverno-test|chainsaw-test)__/.test(file)) return file;
  return file.split("__").slice(0, -1).join("__");
}

function loadDocs(): Doc[] {
  const docs: Doc[] = [];
  for (const file of readdirSync(corpusDir).filter((f) => f.endsWith(".yaml")).sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(corpusDir, file), "utf8"))) {
      const object = doc.toJS();
      if (object && typeof object === "object" && typeof object.kind === "string") docs.push({ file, object });
    }
  }
  return docs;
}

export interface CorpusResult {
  file: string;
  kind: string;
  name: string;
  allowed: boolean;
  /** The denying findings, formatted as the response's status message lists them. */
  denials: string[];
  /** The rule of each denial, in the same order. */
  deniedBy: string[];
  /** The response's warnings, as the API server shows them. */
  warnings: string[];
}

export async function runCorpus(): Promise<CorpusResult[]> {
  const docs = loadDocs();
  const state = loadPolicy(undefined);
  if (!state.ok) throw new Error(state.error);
  const { policy } = state;
  const results: CorpusResult[] = [];
  let uid = 0;
  for (const { file, object } of docs) {
    const kind = object.kind as ReviewedKind;
    if (!reviewedKinds.includes(kind)) continue;
    const { group, version, resource } = kinds[kind];
    const siblings = docs.filter((d) => applyGroup(d.file) === applyGroup(file));
    const namespace = object.metadata?.namespace ?? "default";
    const cluster = inputClusterView(siblings, { enabled: true, namespace: "default" });
    // Objects in removed API versions (apps/v1beta1) are reviewed as apps/v1, as the API server would convert them.
    const request: AdmissionRequest = {
      uid: `corpus-${++uid}`,
      kind: { group, version, kind },
      resource: { group, version, resource },
      name: object.metadata?.name,
      namespace,
      operation: "CREATE",
      userInfo: { username: "corpus" },
      object: { ...object, apiVersion: apiVersionOf(kind) },
    };
    const { response, findings } = await reviewAdmission(request, "validate", { policy, cluster });
    const denials = findings.filter((f) => f.action === "deny");
    results.push({
      file,
      kind: object.kind,
      name: object.metadata?.name,
      allowed: response.allowed,
      denials: denials.map((f) => formatFinding(f)),
      deniedBy: denials.map((f) => f.ruleId),
      warnings: response.warnings ?? [],
    });
  }
  return results;
}
