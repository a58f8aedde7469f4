/**
 * The commands of README.md, docs/deploy.md and docs/ci.md that no other test runs, typed as the documents give them
 * (`typed` fails when a document no longer has the text, so that a changed command is not tested in its old form).
 * Where a command needs what this machine has not (a Cloudflare account, a cluster), what stands in is said at the
 * test: `npm run dev` for the deployed Worker (http on a free local port for https://$HOST), a List built from the
 * seeds for `kubectl get ... -o json`, kubectl's built-in kustomize for `kustomize`.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import type { RunningServer } from "../../scripts/servers.js";
import { repoRoot, shimDirectory } from "../../scripts/gen-doc-outputs.js";
import { expectValidReports } from "../audit/crd.js";
import { runProcess } from "../pack/process.js";
import { type K8sObject, overlayDir, render } from "../k8s/render.js";
import { allTypedCommands, npmRunDev, typed } from "./commands.js";
import { type FakeApiServer, startFakeApiServer } from "./fake-apiserver.js";

const documented = allTypedCommands();
const work = mkdtempSync(join(tmpdir(), "stateward-user-commands-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A folder of the user's own, with `stateward` (and `npx stateward`) the repository's built CLI. */
function userFolder(name: string): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = join(work, name);
  mkdirSync(join(dir, "node_modules", ".bin"), { recursive: true });
  symlinkSync(join(shimDirectory(), "stateward"), join(dir, "node_modules", ".bin", "stateward"));
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", npm_config_update_notifier: "false" };
  for (const key of Object.keys(env)) if (key.startsWith("STATEWARD_") || key === "WEBHOOK_TOKEN") delete env[key];
  env.PATH = `${shimDirectory()}:${env.PATH ?? ""}`;
  return { dir, env };
}

/** The annotated example with one change that shows whether it was read: the readiness-probe rule switched off. */
function examplePolicyWithoutProbeRule(): string {
  const example = readFileSync(join(repoRoot, "policy.example.yaml"), "utf8");
  const changed = example.replace(/(\n  statefulset-readiness-probe:\n    action: )warn/, "$1off");
  expect(changed).not.toBe(example);
  return changed;
}

const bash = (script: string, cwd: string, env: NodeJS.ProcessEnv, input?: string) =>
  runProcess("bash", ["-c", script], { cwd, env, ...(input === undefined ? {} : { input }) });

/** The objects of a cluster running the seeds: their Services, StorageClasses, StatefulSets, PVCs and budgets. */
function clusterObjects(): K8sObject[] {
  const seeds = join(repoRoot, "test/fixtures/seeds");
  const items = readdirSync(seeds)
    .filter((f) => f.endsWith(".yaml"))
    .flatMap((f) => parseAllDocuments(readFileSync(join(seeds, f), "utf8")).map((d) => d.toJS()))
    .filter((o) => o && ["Service", "StorageClass", "StatefulSet", "PersistentVolumeClaim", "PodDisruptionBudget"].includes(o.kind))
    .map((o, i) => {
      const uid = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
      return { ...o, metadata: { namespace: "default", ...o.metadata, uid, resourceVersion: String(100 + i) } };
    });
  expect(items.length).toBeGreaterThan(2);
  return items;
}

/** A List of them, as `kubectl get ... -A -o json` prints one. */
const clusterList = () => JSON.stringify({ apiVersion: "v1", kind: "List", metadata: { resourceVersion: "" }, items: clusterObjects() });

/** Runs `run` with KUBECONFIG in `env` pointing at a fake API server that holds the seeds' objects. */
async function withSeededCluster<T>(dir: string, env: NodeJS.ProcessEnv, run: (env: NodeJS.ProcessEnv) => Promise<T>): Promise<T> {
  const cluster = await startFakeApiServer();
  try {
    cluster.seed(clusterObjects());
    writeFileSync(join(dir, "kubeconfig"), cluster.kubeconfig);
    return await run({ ...env, KUBECONFIG: join(dir, "kubeconfig") });
  } finally {
    await cluster.close();
  }
}

describe("the cluster view and the edge steps, against `npm run dev -- --var WEBHOOK_TOKEN:$TOKEN` for the Worker", () => {
  const user = userFolder("edge");
  let worker: RunningServer | undefined;
  let token = "";
  /** https://$HOST of the deployed Worker, as the local server's address. */
  const local = (command: string) => command.replaceAll("https://$HOST", worker!.url).replaceAll("http://127.0.0.1:8787", worker!.url);

  beforeAll(async () => {
    const made = await bash(`${typed("TOKEN=$(openssl rand -hex 32)").command}\nprintf %s "$TOKEN"`, user.dir, user.env);
    token = made.stdout;
    worker = await npmRunDev(typed("npm run dev -- --var WEBHOOK_TOKEN:$TOKEN &").command, work, { ...user.env, TOKEN: token });
  // A fresh clone's first wrangler dev, started while the other e2e files pack, install and run the image, once took
  // over two minutes in .ci/run (the file alone: seconds): the limit is for a hang, not for a slow machine.
  }, 300_000);
  afterAll(async () => {
    await worker?.stop();
  });

  it("makes a token of URL-safe characters, which the Worker takes in the path and as a bearer token", async () => {
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    const review = readFileSync(join(repoRoot, "examples/admission/web.json"), "utf8");
    expect((await fetch(`${worker!.url}/t/${token}/validate`, { method: "POST", body: review })).status).toBe(200);
    expect((await fetch(`${worker!.url}/validate`, { method: "POST", body: review })).status).toBe(401);
  });

  it("answers the health check with what step 3 says it prints", async () => {
    for (const file of ["README.md", "docs/deploy.md"]) {
      const healthz = documented.find((c) => c.file === file && c.command === 'curl -s "https://$HOST/healthz"')!;
      expect(healthz.comment).toBeDefined();
      const { stdout } = await bash(local(healthz.command), user.dir, { ...user.env, TOKEN: token });
      expect(stdout).toBe(healthz.comment);
    }
  });

  it("takes the List by PUT /inventory and reports it in /inventory/summary", async () => {
    // kubectl get against a fake API server that holds the seeds' objects.
    const list = typed("kubectl get services,storageclasses,statefulsets,persistentvolumeclaims,poddisruptionbudgets -A -o json > inventory.json");
    const listed = await withSeededCluster(user.dir, user.env, (env) => bash(list.command, user.dir, env));
    expect(listed.code, listed.stderr).toBe(0);
    // Seeds that define the same object twice hold it once in the cluster.
    const distinct = new Set(clusterObjects().map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`));
    expect(JSON.parse(readFileSync(join(user.dir, "inventory.json"), "utf8")).items.length).toBe(distinct.size);
    const put = await bash(
      local(typed('curl -s -X PUT -H "Authorization: Bearer $TOKEN" --data @inventory.json http://127.0.0.1:8787/inventory').command),
      user.dir,
      { ...user.env, TOKEN: token },
    );
    const replaced = JSON.parse(put.stdout);
    expect(replaced.counts).toMatchObject({ Service: expect.any(Number), StatefulSet: expect.any(Number) });
    expect(replaced.counts.StatefulSet).toBeGreaterThan(0);
    const summary = await bash(local(typed('curl -s -H "Authorization: Bearer $TOKEN" "https://$HOST/inventory/summary"').command), user.dir, {
      ...user.env,
      TOKEN: token,
    });
    expect(JSON.parse(summary.stdout)).toMatchObject({ kinds: { StatefulSet: { count: replaced.counts.StatefulSet, complete: true } } });
  });

  it("serves the audit as JSON, and as PolicyReports the CRD takes", async () => {
    const env = { ...user.env, WEBHOOK_TOKEN: token };
    const host = (command: string) => command.replaceAll("https://stateward.example.workers.dev", worker!.url);
    const asJson = typed('curl -H "Authorization: Bearer $WEBHOOK_TOKEN" https://stateward.example.workers.dev/audit');
    const json = await bash(host(asJson.command), user.dir, env);
    expect(JSON.parse(json.stdout).objects.length).toBeGreaterThan(0);
    const applied = typed(
      'curl -H "Authorization: Bearer $WEBHOOK_TOKEN" "https://stateward.example.workers.dev/audit?format=reports" | kubectl apply -f -',
    );
    const reports = await bash(host(applied.command.replace(/ \| kubectl apply -f -$/, "")), user.dir, env);
    const list = JSON.parse(reports.stdout);
    expect(list.kind).toBe("List");
    expect(list.items.length).toBeGreaterThan(0);
    // kubectl apply -f - of a List validates the items on the client, with the OpenAPI schemas a real API server
    // serves; the fake API server serves none, so the reports are validated against the CRD's schema here instead.
    expectValidReports(list.items);
  });
});

describe("npm run dev with the annotated policy", () => {
  let worker: RunningServer | undefined;
  afterAll(async () => {
    await worker?.stop();
  });

  const title = "hands the whole annotated document to the Worker (here with the readiness-probe rule switched off, to see it)";
  it(title, { timeout: 120_000 }, async () => {
    const { dir, env } = userFolder("policy");
    const policy = join(dir, "policy.example.yaml");
    writeFileSync(policy, examplePolicyWithoutProbeRule());
    const command = typed('npm run dev -- --var STATEWARD_POLICY:"$(cat policy.example.yaml)"').command;
    // npm run dev runs from the repository; the policy is the changed copy.
    worker = await npmRunDev(command.replace("cat policy.example.yaml", `cat ${policy}`), work, env);
    expect((await fetch(`${worker.url}/readyz`)).status).toBe(200);
    const review = readFileSync(join(repoRoot, "examples/admission/web.json"), "utf8");
    const validated = await fetch(`${worker.url}/validate`, { method: "POST", body: review });
    const answer = (await validated.json()) as { response: { warnings?: string[] } };
    expect(answer.response.warnings?.length).toBeGreaterThan(0);
    expect(answer.response.warnings?.join("\n")).not.toContain("[statefulset-readiness-probe]");
  });
});

describe("the edge overlay's worker.yaml, set by sed and kept out of commits", () => {
  it("names the host and token in every webhook URL, and git does not see the change", async () => {
    const user = userFolder("repository");
    cpSync(join(repoRoot, "k8s"), join(user.dir, "k8s"), { recursive: true });
    const env = { ...user.env, HOST: "stateward.acme.workers.dev", TOKEN: "0123abcd" };
    const git = (args: string) => bash(`git -c user.name=u -c user.email=u@example.com ${args}`, user.dir, env);
    writeFileSync(join(user.dir, ".gitignore"), "node_modules/\n");
    await git("init -q . && git add .gitignore k8s && git -c user.name=u -c user.email=u@example.com commit -qm k8s");
    for (const step of [
      'sed -i -e "s|^  host: .*|  host: $HOST|" -e "s|^  token: .*|  token: $TOKEN|" k8s/overlays/edge/worker.yaml',
      "git update-index --skip-worktree k8s/overlays/edge/worker.yaml",
    ]) {
      const { code, stdout } = await bash(typed(step).command, user.dir, env);
      expect(code, stdout).toBe(0);
    }
    expect((await git("status --porcelain")).stdout).toBe("");
    const rendered = await bash("kubectl kustomize k8s/overlays/edge", user.dir, env);
    const urls = [...rendered.stdout.matchAll(/url: (\S+)/g)].map((m) => m[1]);
    expect(urls.sort()).toEqual(["mutate", "observe", "validate", "validate"].map((r) => `https://stateward.acme.workers.dev/t/0123abcd/${r}`));
  });
});

describe("docs/deploy.md's overlay for self-managed API servers", () => {
  it("renders the webhook URLs without the token (kubectl apply cannot run without a cluster)", async () => {
    const { command } = typed(
      "kubectl kustomize k8s/overlays/edge | sed -E 's#/t/[^/]+/(validate|mutate|observe)$#/\\1#' | kubectl apply -f -",
    );
    const { stdout } = await bash(command.replace(/ \| kubectl apply -f -$/, ""), repoRoot, process.env);
    const urls = [...stdout.matchAll(/url: (\S+)/g)].map((m) => new URL(m[1]!).pathname);
    expect(urls.sort()).toEqual(["/mutate", "/observe", "/validate", "/validate"]);
    expect(stdout).toMatch(/token: \S+/); // the inventory sync's Secret keeps it
  });
});

describe("the CI commands, in a repository of the user's manifests", () => {
  const user = userFolder("manifests");
  beforeAll(() => {
    mkdirSync(join(user.dir, "k8s"));
    cpSync(join(repoRoot, "test/fixtures/seeds/000-web.yaml"), join(user.dir, "k8s", "web.yaml"));
    cpSync(join(repoRoot, "test/fixtures/seeds/002-mysql.yaml"), join(user.dir, "k8s", "db.yaml"));
    writeFileSync(join(user.dir, "policy.yaml"), examplePolicyWithoutProbeRule());
    // Outside k8s/: a file check would refuse, passed over by --exclude.
    mkdirSync(join(user.dir, "legacy"));
    writeFileSync(join(user.dir, "legacy", "broken.yaml"), "kind: [\n");
    // An overlay of k8s/ to render; `kustomize` here is kubectl's built-in one.
    mkdirSync(join(user.dir, "overlays", "prod"), { recursive: true });
    writeFileSync(join(user.dir, "overlays", "prod", "kustomization.yaml"), "resources:\n  - ../../k8s/db.yaml\nnamespace: prod\n");
    const tools = join(user.dir, "tools");
    mkdirSync(tools);
    const kustomize = '#!/bin/sh\n[ "$1" = build ] && shift\nexec kubectl kustomize --load-restrictor LoadRestrictionsNone "$@"\n';
    writeFileSync(join(tools, "kustomize"), kustomize, { mode: 0o755 });
    user.env.PATH = `${tools}:${user.env.PATH}`;
    writeFileSync(join(user.dir, "cluster.json"), clusterList());
  });
  const run = (command: string, input?: string) => bash(typed(command).command, user.dir, user.env, input);

  it("stateward --help lists the commands", async () => {
    const { code, stdout } = await run("stateward --help");
    expect(code).toBe(0);
    for (const command of ["check", "mutate", "policy", "audit"]) expect(stdout).toContain(`\n  ${command} `);
  });

  it("stateward check k8s/ and with --policy: warnings, nothing denied", async () => {
    for (const command of ["stateward check k8s/", "stateward check --policy policy.yaml k8s/"]) {
      const { code, stdout } = await run(command);
      expect(code, stdout).toBe(0);
      expect(stdout).toMatch(/2 objects checked in 2 files, none denied, \d+ warnings?\n$/);
    }
    // The policy is read: it switches the readiness-probe rule off.
    expect((await run("stateward check k8s/")).stdout).toContain("[statefulset-readiness-probe]");
    expect((await run("stateward check --policy policy.yaml k8s/")).stdout).not.toContain("[statefulset-readiness-probe]");
  });

  it("stateward check --exclude passes over legacy/, which alone would fail the run", async () => {
    expect((await bash("stateward check .", user.dir, user.env)).code).toBe(2);
    const { code, stdout } = await run("stateward check --exclude 'legacy/**' .");
    expect(code, stdout).toBe(0);
    expect(stdout).not.toContain("legacy/");
  });

  it("kustomize build overlays/prod | stateward check - checks the rendered objects", async () => {
    const { code, stdout } = await run("kustomize build overlays/prod | stateward check -");
    expect(code, stdout).toBe(0);
    expect(stdout).toContain("<stdin>:");
    expect(stdout).toContain("StatefulSet prod/mysql");
  });

  it("stateward mutate prints the manifests as /mutate leaves them, or the JSON Patch", async () => {
    const yaml = await run("stateward mutate k8s/db.yaml");
    expect(yaml.code).toBe(0);
    expect(parseAllDocuments(yaml.stdout).map((d) => d.toJS()?.kind)).toContain("StatefulSet");
    const patch = await run("stateward mutate --patch k8s/db.yaml");
    expect(patch.code).toBe(0);
    expect(patch.stdout).toMatch(/"op": ?"add"|"op":"add"/);
  });

  it("stateward check --output json writes the stable JSON document", async () => {
    const { code } = await run("stateward check --policy policy.yaml --output json k8s/ > stateward.json");
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(join(user.dir, "stateward.json"), "utf8"));
    expect(report).toMatchObject({ version: 1, summary: { files: 2, objects: 2, denied: 0 } });
  });

  it("stateward audit writes PolicyReports from a cluster's List (kubectl get from a fake API server), or the findings as JSON", async () => {
    const piped = typed(
      "kubectl get statefulsets,persistentvolumeclaims,services,storageclasses,poddisruptionbudgets -A -o json | npx stateward audit --policy policy.yaml - > reports.yaml",
    ).command;
    // kubectl get against a fake API server that holds the seeds' objects.
    const { code, stderr } = await withSeededCluster(user.dir, user.env, (env) => bash(piped, user.dir, env));
    expect(code, stderr).toBe(0);
    const reports = parseAllDocuments(readFileSync(join(user.dir, "reports.yaml"), "utf8")).map((d) => d.toJS());
    expect(reports.length).toBeGreaterThan(0);
    expectValidReports(reports);
    const json = await run("npx stateward audit -o json cluster.json");
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).objects.length).toBeGreaterThan(0);
  });
});

describe("the cluster steps, typed into kubectl against a fake API server (discovery, create, patch, delete; no controllers)", () => {
  const user = userFolder("cluster");
  let fake: FakeApiServer | undefined;
  beforeAll(async () => {
    fake = await startFakeApiServer();
    writeFileSync(join(user.dir, "kubeconfig"), fake.kubeconfig);
    user.env.KUBECONFIG = join(user.dir, "kubeconfig");
  });
  afterAll(async () => {
    await fake?.close();
  });
  /** Runs a documented command from the repository, where the overlays are (kubectl's errors go to the output too). */
  const kubectl = (command: string, input?: string) => bash(`exec 2>&1\n${typed(command).command}`, repoRoot, user.env, input);
  const names = (objects: Iterable<K8sObject>) => [...objects].map((o) => `${o.kind}/${o.metadata.name}`).sort();

  it("kubectl apply -k k8s/overlays/edge creates every object the overlay renders, each valid by its schema", async () => {
    const { code, stdout } = await kubectl("kubectl apply -k k8s/overlays/edge");
    expect(code, stdout).toBe(0);
    expect(names(fake!.objects.values())).toEqual(names(render(overlayDir("edge"))));
  });

  it("kubectl create job --from finds the sync CronJob and creates the Job in its namespace (sent as protobuf, not read here)", async () => {
    const { code } = await kubectl("kubectl -n stateward create job --from=cronjob/stateward-inventory-sync stateward-first-sync");
    expect(fake!.requests).toContain("GET /apis/batch/v1/namespaces/stateward/cronjobs/stateward-inventory-sync 200");
    expect(fake!.requests).toContain("POST /apis/batch/v1/namespaces/stateward/jobs 415");
    expect(code).toBe(1);
  });

  it("the removal steps delete the webhooks first, then the rest of the overlay", async () => {
    for (const step of [
      "kubectl delete validatingwebhookconfiguration stateward stateward-observe --ignore-not-found",
      "kubectl delete mutatingwebhookconfiguration stateward",
    ]) {
      const { code, stdout } = await kubectl(step);
      expect(code, stdout).toBe(0);
    }
    expect(names(fake!.objects.values()).filter((n) => n.includes("WebhookConfiguration"))).toEqual([]);
    const removal = typed("kubectl delete -k k8s/overlays/<name> --ignore-not-found").command.replace("<name>", "edge");
    const { code, stdout } = await bash(`exec 2>&1\n${removal}`, repoRoot, user.env);
    expect(code, stdout).toBe(0);
    expect(names(fake!.objects.values())).toEqual([]);
  });

  it("kubectl apply -k k8s/overlays/in-cluster creates every object the overlay renders, each valid by its schema", async () => {
    fake!.objects.clear();
    const { code, stdout } = await kubectl("kubectl apply -k k8s/overlays/in-cluster");
    expect(code, stdout).toBe(0);
    expect(names(fake!.objects.values())).toEqual(names(render(overlayDir("in-cluster"))));
  });

  it("kubectl wait and rollout status find the Certificate and the Deployment of the overlay, once they are ready", async () => {
    // What cert-manager and the Deployment controller would write once done; the fake API server runs neither.
    for (const object of fake!.objects.values()) {
      if (object.kind === "Certificate") object.status = { conditions: [{ type: "Ready", status: "True" }] };
      if (object.kind === "Deployment") {
        object.metadata.generation = 1;
        const replicas = object.spec.replicas;
        object.status = { observedGeneration: 1, replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas };
      }
    }
    const waited = await kubectl("kubectl -n stateward wait --for=condition=Ready certificate/stateward-serving --timeout=120s");
    expect(waited.code, waited.stdout).toBe(0);
    expect(waited.stdout).toContain("certificate.cert-manager.io/stateward-serving condition met");
    const rolled = await kubectl("kubectl -n stateward rollout status deployment/stateward");
    expect(rolled.code, rolled.stdout).toBe(0);
    expect(rolled.stdout).toContain('deployment "stateward" successfully rolled out');
  });

  it("kubectl wait for the first sync's Job, once complete", async () => {
    // The Job create job --from makes, as the Job controller leaves it when its pod succeeded.
    const job = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "stateward-first-sync", namespace: "stateward" }, spec: {} };
    fake!.seed([{ ...job, status: { conditions: [{ type: "Complete", status: "True" }], succeeded: 1 } }]);
    const { code, stdout } = await kubectl("kubectl -n stateward wait --for=condition=complete job/stateward-first-sync --timeout=120s");
    expect(code, stdout).toBe(0);
    expect(stdout).toContain("job.batch/stateward-first-sync condition met");
  });

  it("the bearer-token overlay goes through kubectl apply with no token in a webhook URL", async () => {
    fake!.objects.clear();
    const { code, stdout } = await kubectl(
      "kubectl kustomize k8s/overlays/edge | sed -E 's#/t/[^/]+/(validate|mutate|observe)$#/\\1#' | kubectl apply -f -",
    );
    expect(code, stdout).toBe(0);
    const hooks = [...fake!.objects.values()].filter((o) => o.kind.endsWith("WebhookConfiguration"));
    const urls = hooks.flatMap((o) => o.webhooks.map((w: K8sObject) => new URL(w.clientConfig.url).pathname));
    expect(urls.sort()).toEqual(["/mutate", "/observe", "/validate", "/validate"]);
  });

  it("kubectl label namespace marks a namespace the webhooks pass over", async () => {
    fake!.objects.set("/api/v1/namespaces/my-sandbox", { apiVersion: "v1", kind: "Namespace", metadata: { name: "my-sandbox" } });
    const { code, stdout } = await kubectl("kubectl label namespace my-sandbox stateward.dev/ignore=true");
    expect(code, stdout).toBe(0);
    expect(fake!.objects.get("/api/v1/namespaces/my-sandbox")!.metadata.labels).toEqual({ "stateward.dev/ignore": "true" });
  });

  it("kubectl apply -f reports.yaml creates the audit's PolicyReports, which the CRD's schema takes", async () => {
    const audit = await bash("stateward audit - > reports.yaml", user.dir, user.env, clusterList());
    expect(audit.code, audit.stdout).toBe(0);
    const { code, stdout } = await bash(typed("kubectl apply -f reports.yaml").command, user.dir, user.env);
    expect(code, stdout).toBe(0);
    expect(stdout).toMatch(/^policyreport\.wgpolicyk8s\.io\/stateward-audit created$/m);
    expect([...fake!.objects.keys()]).toContain("/apis/wgpolicyk8s.io/v1alpha2/namespaces/default/policyreports/stateward-audit");
  });
});
