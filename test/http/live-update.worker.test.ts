/**
 * The update sequences through the Worker's /mutate, inside workerd: each step is what the model API server
 * would send, the answer's patch is applied, and the result is stored for the next step.
 */
import { exports } from "cloudflare:workers";
import { applyPatch, type Operation } from "rfc6902";
import { describe, expect, it } from "vitest";
import workerModule from "../../src/worker/index.js";
import { clientSideApply, patch, type Step } from "../defaults/apiserver.js";
import { post } from "./helpers.js";

type Json = Record<string, any>;

const builtin = { fetch: (request: Request) => exports.default.fetch(request) };
const withPolicy = (policy: string) => ({
  fetch: (request: Request) => workerModule.fetch(request, { STATEWARD_POLICY: policy }),
});

/** The owner's manifest: it names no updateStrategy, grace period or retention policy. */
const manifest = (): Json => ({
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: { name: "web", namespace: "default" },
  spec: {
    selector: { matchLabels: { app: "nginx" } },
    serviceName: "web-headless",
    replicas: 2,
    template: {
      metadata: { labels: { app: "nginx" } },
      spec: { containers: [{ name: "nginx", image: "nginx:1.21.6" }] },
    },
  },
});

let uid = 0;
function reviewOf(step: Step): Json {
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: `00000000-0000-4000-8000-${String(++uid).padStart(12, "0")}`,
      kind: { group: "apps", version: "v1", kind: "StatefulSet" },
      resource: { group: "apps", version: "v1", resource: "statefulsets" },
      name: "web",
      namespace: "default",
      operation: step.operation,
      userInfo: { username: "kubernetes-admin" },
      object: step.object,
      oldObject: step.oldObject ?? null,
    },
  };
}

/** Sends the step to /mutate and returns the answer and the object the API server stores. */
async function admit(app: { fetch(request: Request): Promise<Response> | Response }, step: Step): Promise<{ response: Json; live: Json }> {
  const { status, body } = await post(app, "/mutate", reviewOf(step));
  expect(status).toBe(200);
  const live = structuredClone(step.object);
  if (body.response.patch) {
    const bytes = Uint8Array.from(atob(body.response.patch), (c) => c.charCodeAt(0));
    const ops: Operation[] = JSON.parse(new TextDecoder().decode(bytes));
    expect(applyPatch(live, ops).every((e) => e === null)).toBe(true);
  }
  return { response: body.response, live };
}

const sequences = [
  ["updateStrategy OnDelete", { spec: { updateStrategy: { type: "OnDelete", rollingUpdate: null } } }],
  ["terminationGracePeriodSeconds 120", { spec: { template: { spec: { terminationGracePeriodSeconds: 120 } } } }],
  ["retention whenScaled Delete", { spec: { persistentVolumeClaimRetentionPolicy: { whenScaled: "Delete" } } }],
] as const;

describe("POST /mutate on live objects", () => {
  it.each(sequences)("kubectl patch %s, then kubectl apply: no patch with the built-in policy", async (_, body) => {
    let { live } = await admit(builtin, clientSideApply(undefined, manifest()));
    live = (await admit(builtin, patch(live, body))).live;
    const changed = manifest();
    changed.spec.template.spec.containers[0].image = "nginx:1.27";
    const { response } = await admit(builtin, clientSideApply(live, changed));
    expect(response.patch).toBeUndefined();
    expect(response.allowed).toBe(true);
  });

  it("replaces a value the API server filled in after kubectl apply dropped the field", async () => {
    const app = withPolicy("defaults: {default-termination-grace: {seconds: 60}}");
    const withGrace = manifest();
    withGrace.spec.template.spec.terminationGracePeriodSeconds = 120;
    const { live } = await admit(app, clientSideApply(undefined, withGrace));
    const { response, live: after } = await admit(app, clientSideApply(live, manifest()));
    expect(after.spec.template.spec.terminationGracePeriodSeconds).toBe(60);
    expect(response.warnings).toEqual(["set spec.template.spec.terminationGracePeriodSeconds to 60 [default-termination-grace]"]);
  });

  it.each([
    ["NotIn [web]", { key: "tier", operator: "NotIn", values: ["web"] }],
    ["DoesNotExist", { key: "tier", operator: "DoesNotExist" }],
  ])("default-labels {tier: web} with a selector tier %s: a warning and no label, whatever `warnings` says", async (_, expression) => {
    for (const warnings of [true, false]) {
      const app = withPolicy(`defaults: {warnings: ${warnings}, default-labels: {labels: {tier: web}}}`);
      const sts = manifest();
      sts.spec.selector.matchExpressions = [expression];
      const { response, live } = await admit(app, clientSideApply(undefined, sts));
      expect(response.patch).toBeUndefined();
      expect(live.spec.template.metadata.labels).toEqual({ app: "nginx" });
      expect(response.warnings).toEqual([
        'default-labels skipped: the API server would reject the result: spec.template.metadata.labels: Invalid value: {"app":"nginx","tier":"web"}: `selector` does not match template `labels`',
      ]);
    }
  });
});
