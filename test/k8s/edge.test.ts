/**
 * k8s/overlays/edge: one file (worker.yaml) sets the Worker's host and token everywhere, the webhooks reach the
 * Worker by URL with the token in the path, and the inventory sync sends what PUT /inventory takes.
 */
import { execFile, execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { clusterKinds } from "../../src/cluster/kinds.js";
import { kinds } from "../../src/k8s/kinds.js";
import { routes, tokenPathPrefix } from "../../src/http/app.js";
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
    expect(hooks.length).toBe(3);
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
      [routes.validate, routes.mutate, routes.observe].map((route) => tokenUrl(host, token, route)).sort(),
    );
    const job = one(custom, "CronJob").spec.jobTemplate.spec.template.spec;
    const env = job.containers.flatMap((c: K8sObject) => c.env ?? []);
    expect(env.find((e: { name: string }) => e.name === "STATEWARD_INVENTORY_URL").value).toBe(`https://${host}${routes.inventory}`);
    const secretName = job.volumes.find((v: K8sObject) => v.secret)?.secret.secretName;
    expect(one(custom, "Secret", secretName).stringData.token).toBe(token);
  });

  it("syncs the inventory every few minutes, one run at a time, with read-only access to the view's kinds", () => {
    const [minutes] = cronJob.spec.schedule.split(" ");
    expect(minutes).toMatch(/^\*\/([1-9]|1[0-5])$/);
    expect(cronJob.spec.concurrencyPolicy).toBe("Forbid");

    const [list] = jobPod.initContainers;
    const command: string = list.args.join(" ");
    expect(command).toMatch(/^kubectl get \S+ --all-namespaces --output=json > \S+$/);
    const listed = command.split(" ")[2]!.split(",");
    expect(listed.sort()).toEqual(clusterKinds.map((kind) => kinds[kind].resource).sort());

    const binding = one(objects, "ClusterRoleBinding", "stateward-inventory-sync");
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: jobPod.serviceAccountName, namespace: cronJob.metadata.namespace }]);
    const role = one(objects, "ClusterRole", binding.roleRef.name);
    for (const rule of role.rules) expect(rule.verbs.sort(), rule.resources.join()).toEqual(["get", "list"]);
    const covered = role.rules.flatMap((rule: K8sObject) => rule.resources.map((r: string) => `${rule.apiGroups[0]}/${r}`));
    expect(covered.sort()).toEqual(clusterKinds.map((kind) => `${kinds[kind].group}/${kinds[kind].resource}`).sort());
  });

  it("runs the sync's pods non-root, read-only, within limits", () => {
    expect(jobPod.securityContext.runAsNonRoot).toBe(true);
    for (const container of [...jobPod.initContainers, ...jobPod.containers]) {
      expect(container.securityContext, container.name).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
      });
      expect(Object.keys(container.resources.limits).sort(), container.name).toEqual(["cpu", "memory"]);
    }
  });
});

describe("the inventory sync's PUT, run with curl against a local server", () => {
  const received: { method?: string; url?: string; headers?: IncomingHttpHeaders; body?: string }[] = [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      received.push({ method: request.method, url: request.url, headers: request.headers, body });
      const status = request.url === routes.inventory ? 200 : 401;
      response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ status }));
    });
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it("sends the list kubectl wrote with the Secret's token as a bearer token, and fails on an HTTP error", async () => {
    try {
      execFileSync("curl", ["--version"], { stdio: "pipe" });
    } catch {
      throw new Error("curl is not installed: this test runs the CronJob's curl command (apt-get install -y curl)");
    }
    await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
    const { port } = server.address() as AddressInfo;
    const [list] = jobPod.initContainers;
    const [put] = jobPod.containers;
    const root = mkdtempSync(join(tmpdir(), "stateward-sync-"));
    try {
      // Each container's mounts become directories under `root`, the shared emptyDir being one directory.
      const volumeDir = (volume: string) => join(root, volume);
      let script: string = put.args.join(" ");
      for (const mount of put.volumeMounts) script = script.replaceAll(mount.mountPath, volumeDir(mount.name));
      const listMount = list.volumeMounts.find((m: K8sObject) => list.args[0].includes(`> ${m.mountPath}/`));
      const listFile = list.args[0].split("> ")[1].replace(listMount.mountPath, volumeDir(listMount.name));
      const tokenMount = put.volumeMounts.find((m: K8sObject) => jobPod.volumes.find((v: K8sObject) => v.name === m.name)?.secret);
      mkdirSync(volumeDir(listMount.name), { recursive: true });
      mkdirSync(volumeDir(tokenMount.name), { recursive: true });

      const inventory = JSON.stringify({ apiVersion: "v1", kind: "List", items: [{ apiVersion: "v1", kind: "Service", metadata: { name: "web-headless", namespace: "default" } }] });
      writeFileSync(listFile, inventory);
      writeFileSync(join(volumeDir(tokenMount.name), "token"), "s3cret-t0ken");

      const run = (path: string) =>
        new Promise<{ code: number | null; stderr: string }>((resolve) => {
          const env = { PATH: process.env.PATH, STATEWARD_INVENTORY_URL: `http://127.0.0.1:${port}${path}` };
          const child = execFile(put.command[0], [...put.command.slice(1), script], { env }, () => undefined);
          let stderr = "";
          child.stderr?.on("data", (d) => (stderr += d));
          child.on("close", (code) => resolve({ code, stderr }));
        });

      const ok = await run(routes.inventory);
      expect(ok).toEqual({ code: 0, stderr: "" });
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({ method: "PUT", url: routes.inventory, body: inventory });
      expect(received[0]!.headers).toMatchObject({ authorization: "Bearer s3cret-t0ken", "content-type": "application/json" });
      expect(script, "the token is not in curl's arguments").not.toContain("s3cret");

      // A refused sync must fail the Job (failedJobsHistoryLimit keeps it for kubectl describe), not pass silently.
      const refused = await run("/t/wrong/inventory");
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain("401");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
