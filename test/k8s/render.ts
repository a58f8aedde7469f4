/** Helpers for the k8s/ tests: render overlays with `kubectl kustomize`, read manifests, validate them with models. */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { Certificate, Issuer } from "@kubernetes-models/cert-manager/cert-manager.io/v1";
import {
  MutatingWebhookConfiguration,
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
  ValidatingWebhookConfiguration,
} from "kubernetes-models/admissionregistration.k8s.io/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { CronJob } from "kubernetes-models/batch/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ClusterRole, ClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1";
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from "kubernetes-models/v1";
import { parseAllDocuments } from "yaml";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
export const k8sDir = join(repoRoot, "k8s");

// The loose shape the tests read; kubernetes-models checks the real schema.
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: any }; [k: string]: any };

interface Model {
  validate(): void;
}
type ModelClass = new (data: never) => Model;

/** apiVersion/kind → the maintained model whose JSON schema checks it. Anything else in k8s/ is an error. */
export const models: Record<string, ModelClass> = {
  "v1/Namespace": Namespace,
  "v1/ServiceAccount": ServiceAccount,
  "v1/Service": Service,
  "v1/Secret": Secret,
  "v1/ConfigMap": ConfigMap,
  "apps/v1/Deployment": Deployment,
  "batch/v1/CronJob": CronJob,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "rbac.authorization.k8s.io/v1/ClusterRole": ClusterRole,
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": ClusterRoleBinding,
  "admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration": ValidatingWebhookConfiguration,
  "admissionregistration.k8s.io/v1/MutatingWebhookConfiguration": MutatingWebhookConfiguration,
  "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy": ValidatingAdmissionPolicy,
  "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding": ValidatingAdmissionPolicyBinding,
  "cert-manager.io/v1/Issuer": Issuer,
  "cert-manager.io/v1/Certificate": Certificate,
};

/** Throws with the object's identity and the schema's complaint. */
export function validateWithModel(object: K8sObject, where: string): void {
  const key = `${object.apiVersion}/${object.kind}`;
  const Model = models[key];
  if (!Model) throw new Error(`${where}: ${key} has no schema model; add one to test/k8s/render.ts`);
  try {
    new Model(object as never).validate();
  } catch (error) {
    throw new Error(`${where}: ${object.kind} ${object.metadata?.name}: ${(error as Error).message}`);
  }
}

export function parseManifests(text: string, where: string): K8sObject[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${where}: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as K8sObject | null;
    return value === null ? [] : [value];
  });
}

/** Every YAML file under k8s/, relative path → text. */
export function manifestFiles(dir = k8sDir): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(entry.name)) files.set(relative(dir, path), readFileSync(path, "utf8"));
    }
  };
  walk(dir);
  return files;
}

function kubectl(): string {
  try {
    execFileSync("kubectl", ["version", "--client"], { stdio: "pipe" });
  } catch {
    throw new Error(
      "kubectl is not installed: these tests render k8s/overlays with `kubectl kustomize`. " +
        "Install it with `apt-get install -y kubectl` (.ci/run does).",
    );
  }
  return "kubectl";
}

/** `kubectl kustomize <dir>` parsed into objects. */
export function render(dir: string): K8sObject[] {
  const out = execFileSync(kubectl(), ["kustomize", dir], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return parseManifests(out, `kubectl kustomize ${relative(repoRoot, dir)}`);
}

export const overlayDir = (name: string, root = k8sDir) => join(root, "overlays", name);

export function find(objects: K8sObject[], kind: string, name?: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
}

export function one(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const found = find(objects, kind, name);
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ""}, found ${found.length}`);
  return found[0]!;
}

/** Every webhook of every (Validating|Mutating)WebhookConfiguration, with its configuration. */
export function webhooks(objects: K8sObject[]) {
  return objects
    .filter((o) => o.kind === "ValidatingWebhookConfiguration" || o.kind === "MutatingWebhookConfiguration")
    .flatMap((configuration) =>
      (configuration.webhooks as K8sObject[]).map((webhook) => ({ configuration, webhook: webhook as Record<string, any> })),
    );
}
