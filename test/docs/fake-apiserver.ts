/**
 * An API server just real enough for the kubectl commands the documents and `stateward export vap`'s output give: discovery (/api, /apis and each group
 * version's resource list, the legacy documents client-go's discovery client falls back to when the answer is not the
 * aggregated kind), an OpenAPI v3 index whose operations declare the `fieldValidation` query parameter (so kubectl
 * 1.27+ leaves validation to the server, as it does with a real one: k8s.io/cli-runtime resource/query_param_verifier_v3.go),
 * and get, list, create, merge-patch and delete of objects in memory. A create or patch with `fieldValidation=Strict` is
 * validated against the object's schema (kubernetes-models; the PolicyReport CRD's), and refused with 422 as the API
 * server refuses an invalid object. A list honours `fieldSelector=metadata.name=...`, and a watch ends at once with
 * no events, so kubectl wait and rollout status judge what the list shows. No controllers run: a test that waits for a
 * finished Job or a ready Certificate writes the status the controller would.
 */
import { createServer, type IncomingMessage } from "node:http";
import { Job } from "kubernetes-models/batch/v1";
import { listenLocally } from "../../scripts/servers.js";
import { validatePolicyReport } from "../audit/crd.js";
import { type K8sObject, validateWithModel } from "../k8s/render.js";

interface Resource {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

const resource = (groupVersion: string, plural: string, kind: string, namespaced: boolean): Resource => {
  const [group, version] = groupVersion.includes("/") ? groupVersion.split("/") : ["", groupVersion];
  return { group: group!, version: version!, plural, kind, namespaced };
};

/** Every kind the overlays, the removal steps and the audit's reports name. */
const resources: Resource[] = [
  resource("v1", "namespaces", "Namespace", false),
  resource("v1", "services", "Service", true),
  resource("v1", "serviceaccounts", "ServiceAccount", true),
  resource("v1", "secrets", "Secret", true),
  resource("v1", "configmaps", "ConfigMap", true),
  resource("v1", "persistentvolumeclaims", "PersistentVolumeClaim", true),
  resource("apps/v1", "statefulsets", "StatefulSet", true),
  resource("storage.k8s.io/v1", "storageclasses", "StorageClass", false),
  resource("apps/v1", "deployments", "Deployment", true),
  resource("batch/v1", "cronjobs", "CronJob", true),
  resource("batch/v1", "jobs", "Job", true),
  resource("policy/v1", "poddisruptionbudgets", "PodDisruptionBudget", true),
  resource("rbac.authorization.k8s.io/v1", "clusterroles", "ClusterRole", false),
  resource("rbac.authorization.k8s.io/v1", "clusterrolebindings", "ClusterRoleBinding", false),
  resource("admissionregistration.k8s.io/v1", "validatingwebhookconfigurations", "ValidatingWebhookConfiguration", false),
  resource("admissionregistration.k8s.io/v1", "mutatingwebhookconfigurations", "MutatingWebhookConfiguration", false),
  resource("admissionregistration.k8s.io/v1", "validatingadmissionpolicies", "ValidatingAdmissionPolicy", false),
  resource("admissionregistration.k8s.io/v1", "validatingadmissionpolicybindings", "ValidatingAdmissionPolicyBinding", false),
  resource("cert-manager.io/v1", "certificates", "Certificate", true),
  resource("cert-manager.io/v1", "issuers", "Issuer", true),
  resource("wgpolicyk8s.io/v1alpha2", "policyreports", "PolicyReport", true),
];

const groupVersion = (r: Resource) => (r.group ? `${r.group}/${r.version}` : r.version);
const root = (gv: string) => (gv.includes("/") ? `/apis/${gv}` : `/api/${gv}`);
const collection = (r: Resource, namespace?: string) =>
  `${root(groupVersion(r))}${r.namespaced ? `/namespaces/${namespace}` : ""}/${r.plural}`;

function status(code: number, reason: string, message: string) {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: code < 400 ? "Success" : "Failure", reason, message, code };
}

function validate(object: K8sObject): string | undefined {
  try {
    if (object.kind === "PolicyReport") {
      if (!validatePolicyReport(object)) return JSON.stringify(validatePolicyReport.errors);
    } else if (object.kind === "Job") new Job(object as never).validate();
    else validateWithModel(object, "request");
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** RFC 7386 JSON merge patch, which is also what a strategic merge patch of labels and annotations does. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> =
    target && typeof target === "object" && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

const read = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => resolve(body));
  });

export interface FakeApiServer {
  url: string;
  /** Objects by path, e.g. /api/v1/namespaces/stateward. */
  objects: Map<string, K8sObject>;
  /** Every request on an object or collection: method, path and the answer's status code. */
  requests: string[];
  /** Puts objects into the cluster as they are, as if created earlier. */
  seed(objects: K8sObject[]): void;
  /** A kubeconfig for kubectl that points at this server. */
  kubeconfig: string;
  close(): Promise<void>;
}

export async function startFakeApiServer(): Promise<FakeApiServer> {
  const objects = new Map<string, K8sObject>();
  const requests: string[] = [];
  const gvs = [...new Set(resources.map(groupVersion))];
  const server = createServer(async (req, res) => {
    const body = await read(req);
    const url = new URL(req.url!, "http://fake");
    const path = url.pathname;
    const send = (code: number, value: unknown) => {
      if (!path.startsWith("/openapi") && !/^\/apis?(\/[^/]+){0,2}$/.test(path) && path !== "/version") requests.push(`${req.method} ${path} ${code}`);
      res.writeHead(code, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    if (path === "/version") return send(200, { major: "1", minor: "32", gitVersion: "v1.32.0" });
    if (path === "/api") return send(200, { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] });
    if (path === "/apis") {
      const groups = [...new Set(resources.filter((r) => r.group).map(groupVersion))].map((gv) => {
        const [name, version] = gv.split("/");
        return { name, versions: [{ groupVersion: gv, version }], preferredVersion: { groupVersion: gv, version } };
      });
      return send(200, { kind: "APIGroupList", apiVersion: "v1", groups });
    }
    const listed = gvs.find((gv) => path === root(gv));
    if (listed) {
      const verbs = ["create", "delete", "get", "list", "patch", "update"];
      const list = resources.filter((r) => groupVersion(r) === listed);
      const described = list.map((r) => ({ name: r.plural, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind, verbs }));
      return send(200, { kind: "APIResourceList", apiVersion: "v1", groupVersion: listed, resources: described });
    }
    if (path === "/openapi/v3") {
      const paths = Object.fromEntries(gvs.map((gv) => [root(gv).slice(1), { serverRelativeURL: `/openapi/v3${root(gv)}?hash=fake` }]));
      return send(200, { paths });
    }
    if (path.startsWith("/openapi/v3/")) {
      const gv = gvs.find((g) => path === `/openapi/v3${root(g)}`);
      const paths: Record<string, unknown> = {};
      for (const r of resources.filter((r) => groupVersion(r) === gv)) {
        const operation = {
          "x-kubernetes-group-version-kind": { group: r.group, version: r.version, kind: r.kind },
          parameters: [{ name: "fieldValidation", in: "query", schema: { type: "string" } }],
          responses: {},
        };
        const at = collection(r, "{namespace}");
        paths[at] = { post: operation };
        paths[`${at}/{name}`] = { patch: operation };
      }
      return send(200, { openapi: "3.0.0", info: { title: "fake", version: gv }, paths, components: { schemas: {} } });
    }
    const target = resources.find((r) => path.startsWith(root(groupVersion(r))) && new RegExp(`/${r.plural}(/[^/]+)?$`).test(path));
    if (!target) return send(404, status(404, "NotFound", `the server could not find the requested resource (${path})`));
    // kubectl sends some built-in objects as protobuf (create job --from does); this server reads JSON only.
    if (body && !/json/.test(req.headers["content-type"] ?? "")) {
      return send(415, status(415, "UnsupportedMediaType", `${req.headers["content-type"]} is not read here`));
    }
    const strict = url.searchParams.get("fieldValidation") === "Strict";
    switch (req.method) {
      case "GET": {
        if (path.endsWith(`/${target.plural}`)) {
          // A watch ends at once, with no events: what kubectl waits for must already be in the list.
          if (url.searchParams.get("watch") === "true") {
            res.writeHead(200, { "content-type": "application/json" });
            return res.end();
          }
          const namespace = /\/namespaces\/([^/]+)\//.exec(path)?.[1];
          const selected = Object.fromEntries(
            (url.searchParams.get("fieldSelector") ?? "").split(",").filter(Boolean).map((term) => term.split("=")),
          ) as Record<string, string>;
          const items = [...objects.values()].filter(
            (o) =>
              o.kind === target.kind &&
              (namespace === undefined || o.metadata.namespace === namespace) &&
              (selected["metadata.name"] === undefined || o.metadata.name === selected["metadata.name"]),
          );
          return send(200, { kind: `${target.kind}List`, apiVersion: groupVersion(target), metadata: { resourceVersion: "1" }, items });
        }
        const found = objects.get(path);
        return found ? send(200, found) : send(404, status(404, "NotFound", `${target.plural} "${path.split("/").pop()}" not found`));
      }
      case "POST": {
        let object: K8sObject;
        try {
          object = JSON.parse(body) as K8sObject;
        } catch {
          return send(400, status(400, "BadRequest", "the body is not JSON"));
        }
        const at = `${path}/${object.metadata.name}`;
        if (objects.has(at)) return send(409, status(409, "AlreadyExists", `${target.plural} "${object.metadata.name}" already exists`));
        const invalid = strict ? validate(object) : undefined;
        if (invalid) return send(422, status(422, "Invalid", `${object.kind} "${object.metadata.name}" is invalid: ${invalid}`));
        const created = { ...object, metadata: { ...object.metadata, uid: `uid-${objects.size}`, resourceVersion: "1" } };
        objects.set(at, created);
        return send(201, created);
      }
      case "PATCH": {
        const found = objects.get(path);
        if (!found) return send(404, status(404, "NotFound", `${target.plural} "${path.split("/").pop()}" not found`));
        let patch: unknown;
        try {
          patch = JSON.parse(body);
        } catch {
          return send(400, status(400, "BadRequest", "the body is not JSON"));
        }
        const patched = mergePatch(found, patch) as K8sObject;
        const invalid = strict ? validate(patched) : undefined;
        if (invalid) return send(422, status(422, "Invalid", invalid));
        objects.set(path, patched);
        return send(200, patched);
      }
      case "DELETE": {
        const found = objects.get(path);
        if (!found) return send(404, status(404, "NotFound", `${target.plural} "${path.split("/").pop()}" not found`));
        objects.delete(path);
        return send(200, found);
      }
      default:
        return send(405, status(405, "MethodNotAllowed", `${req.method} is not served here`));
    }
  });
  const { url, close } = await listenLocally(server);
  const kubeconfig = [
    "apiVersion: v1",
    "kind: Config",
    `clusters: [{name: fake, cluster: {server: "${url}"}}]`,
    "users: [{name: fake, user: {token: fake}}]",
    "contexts: [{name: fake, context: {cluster: fake, user: fake}}]",
    "current-context: fake",
    "",
  ].join("\n");
  const seed = (list: K8sObject[]) => {
    for (const object of list) {
      const r = resources.find((r) => groupVersion(r) === object.apiVersion && r.kind === object.kind);
      if (!r) throw new Error(`the fake API server serves no ${object.apiVersion} ${object.kind}`);
      objects.set(`${collection(r, object.metadata.namespace ?? "default")}/${object.metadata.name}`, object);
    }
  };
  return { url, objects, requests, seed, kubeconfig, close };
}
