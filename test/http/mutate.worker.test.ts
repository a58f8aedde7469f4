import { exports } from "cloudflare:workers";
import { applyPatch, type Operation } from "rfc6902";
import { describe, expect, it } from "vitest";
import workerModule from "../../src/worker/index.js";
import pvcClient from "../fixtures/admission/002-nfs.persistentvolumeclaim-nginx-pvc.client.mutate.json";
import pvcCreate from "../fixtures/admission/002-nfs.persistentvolumeclaim-nginx-pvc.create.mutate.json";
import webClient from "../fixtures/admission/000-web.statefulset-web.client.mutate.json";
import webServer from "../fixtures/admission/000-web.statefulset-web.server.mutate.json";
import mysqlClient from "../fixtures/admission/002-mysql.statefulset-mysql.client.mutate.json";
import mysqlCreate from "../fixtures/admission/002-mysql.statefulset-mysql.create.mutate.json";
import mysqlServer from "../fixtures/admission/002-mysql.statefulset-mysql.server.mutate.json";
import { post, type ReviewAnswer, withRequest } from "./helpers.js";

const worker = exports.default;

/** The Worker entry with STATEWARD_POLICY bound to `policy`, as a deployment with that variable would run. */
const workerWithPolicy = (policy: string) => ({
  fetch: (request: Request) => workerModule.fetch(request, { STATEWARD_POLICY: policy }),
});

function decodePatch(answer: ReviewAnswer): Operation[] {
  expect(answer.response.patchType).toBe("JSONPatch");
  const bytes = Uint8Array.from(atob(answer.response.patch!), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

function patched(object: unknown, patch: Operation[]): any {
  const copy = structuredClone(object);
  expect(applyPatch(copy, patch).every((e) => e === null)).toBe(true);
  return copy;
}

const policy = `
defaults:
  default-termination-grace: {seconds: 60}
  default-storage-class: {storageClassName: fast}
  default-labels:
    labels: {"app.kubernetes.io/part-of": shop, "example.com/team": "db"}
`;

describe("POST /mutate", () => {
  it.each([
    ["client", mysqlClient],
    ["server", mysqlServer],
    ["create", mysqlCreate],
    ["client PVC", pvcClient],
  ])("answers without a patch key when the API server already defaulted everything (%s)", async (_, review) => {
    const { status, body } = await post(worker, "/mutate", review);
    expect(status).toBe(200);
    expect(body.response).toEqual({ uid: review.request.uid, allowed: true });
  });

  it("patches a claim the user wrote without accessModes, out of the box", async () => {
    const review = structuredClone(pvcCreate);
    delete (review.request.object.spec as { accessModes?: unknown }).accessModes;
    const { body } = await post(worker, "/mutate", review);
    const answer = body as ReviewAnswer;
    const expected = structuredClone(review.request.object) as any;
    expected.spec.accessModes = ["ReadWriteOnce"];
    expected.metadata.annotations = { "stateward.dev/defaulted": "default-access-modes" };
    expect(patched(review.request.object, decodePatch(answer))).toEqual(expected);
    expect(answer.response.warnings).toEqual(['set spec.accessModes to ["ReadWriteOnce"] [default-access-modes]']);
  });

  it.each([
    ["client-side apply", mysqlClient],
    ["server-side apply", mysqlServer],
  ])("applies the configured defaults to an object made by %s, and a second pass changes nothing", async (_, review) => {
    const app = workerWithPolicy(policy);
    const { body } = await post(app, "/mutate", review);
    const answer = body as ReviewAnswer;
    const object = review.request.object as any;
    const expected = structuredClone(object);
    expected.spec.template.spec.terminationGracePeriodSeconds = 60;
    expected.spec.template.metadata.labels = { app: "mysql", "app.kubernetes.io/part-of": "shop", "example.com/team": "db" };
    expected.spec.volumeClaimTemplates[0].spec.storageClassName = "fast";
    expected.spec.volumeClaimTemplates[0].metadata.labels = { "app.kubernetes.io/part-of": "shop", "example.com/team": "db" };
    expected.metadata.annotations = {
      ...object.metadata.annotations,
      "stateward.dev/defaulted": "default-labels,default-storage-class,default-termination-grace",
    };
    const patch = decodePatch(answer);
    expect(patch).toContainEqual({ op: "add", path: "/spec/template/metadata/labels/example.com~1team", value: "db" });
    const result = patched(object, patch);
    expect(result).toEqual(expected);
    expect(answer.response.warnings).toContain(
      "set spec.template.spec.terminationGracePeriodSeconds to 60 [default-termination-grace]",
    );
    const again = await post(app, "/mutate", withRequest(review, { object: result }));
    expect(again.body.response).toEqual({ uid: review.request.uid, allowed: true });
  });

  it("leaves values the user set, whatever the policy", async () => {
    const app = workerWithPolicy("defaults: {default-termination-grace: {seconds: 60}, default-storage-class: {storageClassName: fast}}");
    for (const review of [webClient, webServer, pvcClient]) {
      const { body } = await post(app, "/mutate", review);
      expect(body.response).toEqual({ uid: review.request.uid, allowed: true });
    }
  });

  it("answers a v1beta1 review in v1beta1", async () => {
    const review = { ...structuredClone(mysqlClient), apiVersion: "admission.k8s.io/v1beta1" };
    const { body } = await post(workerWithPolicy(policy), "/mutate", review);
    expect(body.apiVersion).toBe("admission.k8s.io/v1beta1");
    expect(body.response.uid).toBe(review.request.uid);
    expect(patched(review.request.object, decodePatch(body)).spec.template.spec.terminationGracePeriodSeconds).toBe(60);
  });

  it("switches off warnings and the annotation by policy", async () => {
    const app = workerWithPolicy("defaults: {warnings: false, annotate: false, default-termination-grace: {seconds: 60}}");
    const { body } = await post(app, "/mutate", mysqlCreate);
    expect(body.response.warnings).toBeUndefined();
    expect(decodePatch(body)).toEqual([{ op: "replace", path: "/spec/template/spec/terminationGracePeriodSeconds", value: 60 }]);
  });

  it("allows an object it cannot read, without a patch and with a warning", async () => {
    const review = structuredClone(mysqlCreate);
    (review.request.object.spec as any).replicas = "three";
    const { body } = await post(worker, "/mutate", review);
    expect(body.response.allowed).toBe(true);
    expect(body.response.patch).toBeUndefined();
    expect(body.response.warnings?.[0]).toMatch(/could not read this StatefulSet/);
  });
});
