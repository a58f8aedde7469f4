/**
 * k8s/overlays/edge: one file (worker.yaml) sets the Worker's host and token everywhere, the webhooks reach the
 * Worker by URL with the token in the path, and the inventory sync runs `stateward sync` in Stateward's own image.
 */
import { cpSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { clusterKinds } from "../../src/cluster/kinds.js";
import { kinds } from "../../src/k8s/kinds.js";
import { routes, tokenPathPrefix } from "../../src/http/routes.js";
import { readSyncRun } from "../../src/node/sync.js";
import { serviceAccountDir } from "../../src/node/kube-api.js";
import { find, k8sDir, type K8sObject, one, overlayDir, parseManifests, render, webhooks } from "./render.js";

const workerFile = join(overlayDir("edge"), "worker.yaml");
const placeholder = one(parseManifests(readFileSync(workerFile, "utf8"), "worker.yaml"), "ConfigMap");
const objects = render(overlayDir("edge"));

/** The URL the app serves `route` at in the token-in-path form. */
const tokenUrl = (host: string, token: string, route: string) =>
  `https://${host}${tokenPathPrefix.replace(":token", token)}${route}`;

/** The overlay rendered from a copy of k8s/ whose worker.yaml names `host` and `token`. */
function renderWith(host: string, token: string): K8sObject[] {
  const root = mkdtempSync(join(tmpdir(), "stateward-k8s-"));
  try {
    cpSync(k8sDir, join(root, "k8s"), { recursive: true });
    const worker = { ...placeholder, data: { host, token } };
    writeFileSync(join(root, "k8s", "overlays", "edge", "worker.yaml"), stringify(worker));
    return render(overlayDir("edge", join(root, "k8s")));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const cronJob = one(objects, "CronJob", "stateward-inventory-sync");
const jobPod = cronJob.spec.jobTemplate.spec.template.spec;

describe("k8s/overlays/edge", () => {
  it("reaches the Worker by URL over its public certificate, with the token in the path", () => {
    const { host, token } = placeholder.data;
    const hooks = webhooks(objects);
    expect(hooks.length).toBe(4);
    for (const { webhook } of hooks) {
      expect(webhook.clientConfig.service, webhook.name).toBeUndefined();
      expect(webhook.clientConfig.caBundle, webhook.name).toBeUndefined();
      const route = Object.values(routes).find((r) => webhook.clientConfig.url.endsWith(r))!;
      expect(webhook.clientConfig.url).toBe(tokenUrl(host, token, route));
    }
  });

  it("sets host and token everywhere from worker.yaml, and never applies worker.yaml itself", () => {
    const host = "stateward.acme-corp.workers.dev";
    const token = "q9Zx_4-tW";
    const custom = renderWith(host, token);
    const text = JSON.stringify(custom);
    expect(text).not.toContain(placeholder.data.host);
    expect(text).not.toContain(placeholder.data.token);
    expect(find(custom, "ConfigMap", placeholder.metadata.name)).toEqual([]);

    const urls = webhooks(custom).map(({ webhook }) => webhook.clientConfig.url).sort();
    expect(urls).toEqual(
      [routes.validate, routes.validate, routes.mutate, routes.observe].map((route) => tokenUrl(host, token, route)).sort(),
    );
    const job = one(custom, "CronJob").spec.jobTemplate.spec.template.spec;
    const env = job.containers.flatMap((c: K8sObject) => c.env ?? []);
    expect(env.find((e: { name: string }) => e.name === "STATEWARD_URL").value).toBe(`https://${host}`);
    const secretName = job.volumes.find((v: K8sObject) => v.secret)?.secret.secretName;
    expect(one(custom, "Secret", secretName).stringData.token).toBe(token);
  });

  it("syncs the inventory every few minutes, one run at a time, with read-only access to the view's kinds", () => {
    const [minutes] = cronJob.spec.schedule.split(" ");
    expect(minutes).toMatch(/^\*\/([1-9]|1[0-5])$/);
    expect(cronJob.spec.concurrencyPolicy).toBe("Forbid");

    // Stateward's own image with its own command: no shell, no kubectl, no second image.
    expect(jobPod.initContainers).toBeUndefined();
    expect(jobPod.containers).toHaveLength(1);
    const [sync] = jobPod.containers;
    expect(sync.command).toBeUndefined();
    expect(sync.args[0]).toBe("sync");
    const inCluster = one(render(overlayDir("in-cluster")), "Deployment", "stateward").spec.template.spec.containers[0];
    expect(sync.image).toBe(inCluster.image);

    // The arguments and environment make a run of `stateward sync` against the Worker, with the Secret's token and
    // the ServiceAccount's token and CA where it reads them.
    const root = mkdtempSync(join(tmpdir(), "stateward-sync-"));
    try {
      const mounted = (path: string) => {
        const mount = sync.volumeMounts.find((m: K8sObject) => path.startsWith(`${m.mountPath}/`));
        expect(mount, path).toBeDefined();
        return join(root, mount.name, path.slice(mount.mountPath.length + 1));
      };
      const tokenFile = "/var/run/secrets/stateward/token";
      const secret = jobPod.volumes.find((v: K8sObject) => v.name === sync.volumeMounts.find((m: K8sObject) => tokenFile.startsWith(m.mountPath)).name);
      expect(secret.secret.secretName).toBe("stateward-token");
      const projected = jobPod.volumes.find((v: K8sObject) => v.projected).projected.sources;
      expect(projected.map((p: K8sObject) => p.serviceAccountToken?.path ?? p.configMap?.items[0].path).filter(Boolean).sort()).toEqual(["ca.crt", "token"]);
      for (const file of [tokenFile, `${serviceAccountDir}/token`, `${serviceAccountDir}/ca.crt`]) {
        mkdirSync(join(mounted(file), ".."), { recursive: true });
        writeFileSync(mounted(file), "x");
      }
      const env = Object.fromEntries(sync.env.map((e: { name: string; value: string }) => [e.name, e.value]));
      // Only the mounts' roots move to the temporary directory; everything else is as the container has it.
      const argv = [...sync.args.slice(1), "--service-account", join(mounted(`${serviceAccountDir}/token`), "..")];
      const run = readSyncRun(argv, { ...env, KUBERNETES_SERVICE_HOST: "10.96.0.1", STATEWARD_TOKEN_FILE: mounted(tokenFile) }, () => {});
      expect(run.target.url.href).toBe("https://stateward.example.workers.dev/");
      expect([...run.kinds].sort()).toEqual([...clusterKinds].sort());
      expect(run.policyReports).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }

    const binding = one(objects, "ClusterRoleBinding", "stateward-inventory-sync");
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: jobPod.serviceAccountName, namespace: cronJob.metadata.namespace }]);
    const role = one(objects, "ClusterRole", binding.roleRef.name);
    for (const rule of role.rules) expect(rule.verbs.sort(), rule.resources.join()).toEqual(["get", "list"]);
    expect(jobPod.serviceAccountName).toBe("stateward-inventory-sync");
    const covered = role.rules.flatMap((rule: K8sObject) => rule.resources.map((r: string) => `${rule.apiGroups[0]}/${r}`));
    expect(covered.sort()).toEqual(clusterKinds.map((kind) => `${kinds[kind].group}/${kinds[kind].resource}`).sort());

    // Its one write: the PolicyReports of the Worker's audit.
    const writes = find(objects, "ClusterRoleBinding")
      .filter((b) => b.subjects.some((s: K8sObject) => s.kind === "ServiceAccount" && s.name === jobPod.serviceAccountName))
      .flatMap((b) => one(objects, "ClusterRole", b.roleRef.name).rules)
      .flatMap((rule: K8sObject) =>
        rule.apiGroups.flatMap((g: string) => rule.resources.flatMap((r: string) => rule.verbs.filter((v: string) => v !== "get" && v !== "list").map((v: string) => `${g}/${r}/${v}`))),
      );
    expect(writes.sort()).toEqual(["wgpolicyk8s.io/policyreports/create", "wgpolicyk8s.io/policyreports/delete", "wgpolicyk8s.io/policyreports/patch"]);
  });

  it("runs the sync's pods non-root, read-only, within limits", () => {
    expect(jobPod.securityContext.runAsNonRoot).toBe(true);
    for (const container of jobPod.containers) {
      expect(container.securityContext, container.name).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
      });
      expect(Object.keys(container.resources.limits).sort(), container.name).toEqual(["cpu", "memory"]);
    }
  });
});
