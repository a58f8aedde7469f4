/**
 * The seeds' scenario through HTTP inside workerd, with the cluster view in the real SQLite-backed Durable Object.
 * The global Worker has no WEBHOOK_TOKEN, so writes to /inventory go through an app built from the same bindings with
 * a token (`clusterFromBindings`), against the same Durable Object instance the global Worker reads.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type ClusterBindings, clusterFromBindings } from "../../src/worker/bindings.js";
import { createApp } from "../../src/http/app.js";
import { writesNeedTokenMessage } from "../../src/http/auth.js";
import { loadPolicy } from "../../src/policy/policy.js";
import serviceReview from "../fixtures/admission/000-web.service-web-headless.create.validate.json";
import statefulSetReview from "../fixtures/admission/000-web.statefulset-web.create.validate.json";
import { refusesProtoKeys } from "./reserved-keys.js";

const token = "scenario-token";
const bindings = env as unknown as ClusterBindings;
const denyHeadless = JSON.stringify({ rules: { "statefulset-headless-service": { action: "deny" } } });

interface ReviewAnswer {
  apiVersion: string;
  response: { uid: string; allowed: boolean; warnings?: string[]; status?: { code: number; message: string } };
}

/** An app over the Worker's own bindings, for one cluster name, with a token and optionally a policy. */
function appFor(cluster: string, policy?: string) {
  const config = { token, policy: loadPolicy(policy), ...clusterFromBindings({ ...bindings, STATEWARD_CLUSTER: cluster }) };
  return createApp({ config: () => config, log: () => {} });
}

type Fetch = (request: Request) => Response | Promise<Response>;

const post = (fetch: Fetch, path: string, body: unknown, auth = true) =>
  fetch(
    new Request(`http://x${path}`, {
      method: "POST",
      body: JSON.stringify(body),
      headers: auth ? { authorization: `Bearer ${token}` } : {},
    }),
  );

const putInventory = (fetch: Fetch, items: unknown[], auth = true) =>
  fetch(
    new Request("http://x/inventory", {
      method: "PUT",
      body: JSON.stringify({ apiVersion: "v1", kind: "List", metadata: { resourceVersion: "" }, items }),
      headers: auth ? { authorization: `Bearer ${token}` } : {},
    }),
  );

async function validate(fetch: Fetch, review = statefulSetReview, auth = true): Promise<ReviewAnswer> {
  const res = await post(fetch, "/validate", review, auth);
  expect(res.status).toBe(200);
  return (await res.json()) as ReviewAnswer;
}

async function observe(fetch: Fetch, review: unknown, auth = true): Promise<ReviewAnswer> {
  const res = await post(fetch, "/observe", review, auth);
  expect(res.status).toBe(200);
  const answer = (await res.json()) as ReviewAnswer;
  expect(answer.response.allowed).toBe(true);
  return answer;
}

const headlessFindings = (answer: ReviewAnswer) =>
  (answer.response.warnings ?? []).filter((w) => w.includes("[statefulset-headless-service]"));

/** The Service of the fixture, changed: another clusterIP, a resourceVersion, an operation. */
function serviceChange(options: { clusterIP?: string; resourceVersion?: string; operation?: "CREATE" | "UPDATE" | "DELETE"; dryRun?: boolean }) {
  const review = structuredClone(serviceReview) as unknown as {
    request: Record<string, unknown> & { object: { metadata: Record<string, unknown>; spec: Record<string, unknown> } };
  };
  const object = review.request.object;
  if (options.clusterIP !== undefined) object.spec.clusterIP = options.clusterIP;
  if (options.resourceVersion !== undefined) object.metadata.resourceVersion = options.resourceVersion;
  if (options.dryRun) review.request.dryRun = true;
  if (options.operation === "DELETE") {
    review.request.operation = "DELETE";
    review.request.oldObject = object;
    review.request.object = null as never;
  } else if (options.operation) {
    review.request.operation = options.operation;
  }
  return review;
}

const serviceItem = (clusterIP: string, resourceVersion: string, name = "web-headless") => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace: "default", resourceVersion },
  spec: { clusterIP, selector: { app: "nginx" } },
});

describe("the seeds' scenario", () => {
  it("walks sync, observation, validation and deletion through the Worker", async () => {
    const writer = appFor("default");
    const worker: Fetch = (request) => exports.default.fetch(request);

    // Before any sync the rule cannot verify the Service: unknown, so at most a warning.
    const before = await validate(worker, statefulSetReview, false);
    expect(before.response.allowed).toBe(true);
    expect(headlessFindings(before)).toEqual([
      expect.stringMatching(/^spec\.serviceName: could not verify Service "web-headless": .*\[statefulset-headless-service\]$/),
    ]);

    const synced = await putInventory(writer.fetch, []);
    expect(synced.status).toBe(200);
    expect(await synced.json()).toMatchObject({ counts: { Service: 0, StorageClass: 0, StatefulSet: 0 } });

    // Synced and empty: now the Service is known to be missing.
    const missing = await validate(worker, statefulSetReview, false);
    expect(headlessFindings(missing)).toEqual([
      'spec.serviceName: Not found: "web-headless": no Service "web-headless" in namespace "default"; create it headless (clusterIP: None), selecting the pods [statefulset-headless-service]',
    ]);

    await observe(writer.fetch, serviceReview);
    const passes = await validate(worker, statefulSetReview, false);
    expect(passes.response.allowed).toBe(true);
    expect(headlessFindings(passes)).toEqual([]);

    const summary = await writer.fetch(new Request("http://x/inventory/summary", { headers: { authorization: `Bearer ${token}` } }));
    expect(await summary.json()).toMatchObject({ kinds: { Service: { count: 1, complete: true } } });

    await observe(writer.fetch, serviceChange({ operation: "DELETE" }));
    const gone = await validate(worker, statefulSetReview, false);
    expect(gone.response.allowed).toBe(true);
    expect(headlessFindings(gone)).toEqual([expect.stringContaining('spec.serviceName: Not found: "web-headless"')]);
  });

  it("warns that a ClusterIP Service is not headless, and denies when the policy raises the rule to deny", async () => {
    const warnApp = appFor("clusterip");
    expect((await putInventory(warnApp.fetch, [])).status).toBe(200);
    await observe(warnApp.fetch, serviceChange({ clusterIP: "10.96.0.12" }));

    const warned = await validate(warnApp.fetch);
    expect(warned.response.allowed).toBe(true);
    expect(headlessFindings(warned)).toEqual([
      'spec.serviceName: Invalid value: "web-headless": Service "web-headless" is not headless, so pods get no DNS names; re-create it with clusterIP: None [statefulset-headless-service]',
    ]);

    const denied = await validate(appFor("clusterip", denyHeadless).fetch);
    expect(denied.response.allowed).toBe(false);
    expect(denied.response.status?.code).toBe(403);
    expect(denied.response.status?.message).toContain(
      'spec.serviceName: Invalid value: "web-headless": Service "web-headless" is not headless',
    );
    expect(denied.response.status?.message).toContain("[statefulset-headless-service]");

    // The same policy with a headless Service: nothing to deny.
    await observe(warnApp.fetch, serviceChange({ clusterIP: "None", operation: "UPDATE" }));
    expect((await validate(appFor("clusterip", denyHeadless).fetch)).response.allowed).toBe(true);
  });
});

describe("the store behind the routes", () => {
  it("replaces what it holds on every sync", async () => {
    const app = appFor("sync-replaces");
    await putInventory(app.fetch, [serviceItem("None", "10"), serviceItem("None", "11", "old-svc")]);
    await observe(app.fetch, serviceChange({ clusterIP: "None" }));
    const res = await putInventory(app.fetch, [
      serviceItem("10.96.0.1", "20", "other"),
      { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "fast", resourceVersion: "5" }, provisioner: "x" },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ignored", namespace: "default" } },
    ]);
    expect(res.status).toBe(200);
    // old-svc, known only from the previous sync, is gone; web-headless, observed a moment ago and so perhaps created
    // after this List was taken, stays until a sync past the grace period still does not list it.
    expect(await res.json()).toMatchObject({ counts: { Service: 2, StorageClass: 1, StatefulSet: 0 }, ignored: 1 });
    expect(headlessFindings(await validate(app.fetch))).toEqual([]);
  });

  it("orders by time, not by resourceVersion: an observation after the List stands, whatever the versions say", async () => {
    const app = appFor("versions");
    await putInventory(app.fetch, [serviceItem("None", "100")]);
    // An update observed after the sync is stored, whatever resourceVersion it carries.
    await observe(app.fetch, serviceChange({ clusterIP: "10.96.0.7", resourceVersion: "99", operation: "UPDATE" }));
    expect(headlessFindings(await validate(app.fetch))).toEqual([expect.stringContaining("is not headless")]);
    // A PUT /inventory's List may be a minute old: the observation made a moment ago outranks it.
    const res = await putInventory(app.fetch, [serviceItem("None", "9".repeat(40))]);
    expect(await res.json()).toMatchObject({ keptObserved: 1 });
    expect(headlessFindings(await validate(app.fetch))).toEqual([expect.stringContaining("is not headless")]);
  });

  it("ignores dry-run observations", async () => {
    const app = appFor("dry-run");
    await putInventory(app.fetch, []);
    await observe(app.fetch, serviceChange({ dryRun: true }));
    expect(headlessFindings(await validate(app.fetch))).toEqual([expect.stringContaining("Not found")]);
    await observe(app.fetch, serviceReview);
    await observe(app.fetch, serviceChange({ operation: "DELETE", dryRun: true }));
    expect(headlessFindings(await validate(app.fetch))).toEqual([]);
  });

  it("answers 401 to unauthenticated writes, and serves no write at all when no token is configured", async () => {
    const app = appFor("auth");
    const res = await putInventory(app.fetch, [], false);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ status: 401 });
    expect((await app.fetch(new Request("http://x/inventory/summary"))).status).toBe(401);
    const viaPath = await app.fetch(new Request(`http://x/t/${token}/inventory/summary`));
    expect(viaPath.status).toBe(200);

    const worker: Fetch = (request) => exports.default.fetch(request);
    for (const open of [
      await putInventory(worker, [], false),
      await post(worker, "/observe", serviceReview, false),
      await post(worker, "/inventory/sync", { kinds: ["Service"] }, false),
    ]) {
      expect(open.status).toBe(403);
      expect(await open.json()).toEqual({ error: writesNeedTokenMessage, status: 403 });
    }
  });

  it("rejects a body that is not a Kubernetes List, and unauthenticated observations", async () => {
    const app = appFor("bad-input");
    const notList = await app.fetch(
      new Request("http://x/inventory", { method: "PUT", body: JSON.stringify({ kind: "Service" }), headers: { authorization: `Bearer ${token}` } }),
    );
    expect(notList.status).toBe(400);
    expect(((await notList.json()) as { error: string }).error).toMatch(/^not a Kubernetes List: kind: /);
    expect((await post(app.fetch, "/observe", serviceReview, false)).status).toBe(401);
  });
});

describe("every write route", () => {
  it("refuses a __proto__ key with a 400 naming the item, on the Durable Object's store too", async () => {
    await refusesProtoKeys(appFor(`reserved-keys-${crypto.randomUUID()}`).fetch, token);
  });
});
