import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { emptyClusterView } from "../../src/cluster/view.js";
import { createApp } from "../../src/http/app.js";
import type { ReviewLogSetting } from "../../src/http/review-log.js";
import type { LogLine } from "../../src/http/service.js";
import { loadPolicy } from "../../src/policy/policy.js";
import pvcCreate from "../fixtures/admission/000-web-pvc.persistentvolumeclaim-www-web-0.create.validate.json";
import serviceCreate from "../fixtures/admission/000-web.service-web-headless.create.validate.json";
import stsCreate from "../fixtures/admission/000-web.statefulset-web.create.validate.json";
import stsDelete from "../fixtures/admission/000-web.statefulset-web.delete.validate.json";
import stsV1beta1 from "../fixtures/admission/000-web.statefulset-web.client.validate.v1beta1.json";
import { appFetcher, post, type ReviewAnswer, withRequest } from "./helpers.js";

const worker = exports.default;

function appWith(options: { token?: string; policy?: string; log?: LogLine[]; reviewLog?: ReviewLogSetting } = {}) {
  const policy = loadPolicy(options.policy);
  const cluster = emptyClusterView();
  return appFetcher(
    createApp({
      config: () => ({ token: options.token, policy, cluster, ...(options.reviewLog ? { reviewLog: options.reviewLog } : {}) }),
      log: (line) => options.log?.push(line),
    }),
  );
}

function brokenStatefulSet() {
  const review = structuredClone(stsCreate);
  const object = review.request.object as any;
  delete object.spec.selector;
  return review;
}

describe("admission routes", () => {
  it.each(["/validate", "/mutate"])("%s answers an AdmissionReview v1 with the request's uid", async (path) => {
    const { status, body } = await post(worker, path, stsCreate);
    expect(status).toBe(200);
    const answer = body as ReviewAnswer;
    expect(answer.apiVersion).toBe("admission.k8s.io/v1");
    expect(answer.kind).toBe("AdmissionReview");
    expect(answer.response.uid).toBe(stsCreate.request.uid);
    expect(answer.response.allowed).toBe(true);
  });

  it("answers admission.k8s.io/v1beta1 in v1beta1", async () => {
    const { body } = await post(worker, "/validate", stsV1beta1);
    expect(body.apiVersion).toBe("admission.k8s.io/v1beta1");
    expect(body.response.uid).toBe(stsV1beta1.request.uid);
  });

  it("echoes any uid, not a fixed one", async () => {
    const review = withRequest(stsCreate, { uid: "c0ffee00-1111-4222-8333-444455556666" });
    const { body } = await post(worker, "/validate", review);
    expect(body.response.uid).toBe("c0ffee00-1111-4222-8333-444455556666");
  });

  it("denies with status code, reason and a message naming the field and the rule", async () => {
    const { body } = await post(worker, "/validate", brokenStatefulSet());
    expect(body.response.allowed).toBe(false);
    expect(body.response.status).toMatchObject({ code: 403, reason: "Forbidden" });
    expect(body.response.status.message).toContain('StatefulSet "web" is invalid: spec.selector: Required value');
    expect(body.response.status.message).toContain("[statefulset-selector]");
    expect(body.response.patch).toBeUndefined();
  });

  it("lists every violation in the denial, not only the first", async () => {
    const review = structuredClone(stsCreate);
    const object = review.request.object as any;
    object.spec.selector = { matchLabels: { app: "other" } };
    object.spec.template.metadata.labels = {};
    object.spec.template.spec.containers.push({ name: "sidecar", volumeMounts: [{ name: 7 }] });
    const { body } = await post(worker, "/validate", review);
    expect(body.response.allowed).toBe(false);
    // The decoding error is reported with its field path; with a decodable object the rules run instead.
    expect(body.response.status.message).toMatch(/spec\.template\.spec\.containers\[1\]\.volumeMounts\[0\]\.name: Invalid value/);
    delete object.spec.template.spec.containers[1];
    object.spec.template.spec.containers.length = 1;
    object.spec.template.metadata.labels = { app: "nginx" };
    const again = await post(worker, "/validate", review);
    expect(again.body.response.allowed).toBe(false);
  });

  it("allows other kinds untouched: no patch, no warning", async () => {
    for (const path of ["/validate", "/mutate"]) {
      const { body } = await post(worker, path, serviceCreate);
      expect(body.response).toEqual({ uid: serviceCreate.request.uid, allowed: true });
    }
  });

  it("allows DELETE, CONNECT and sub-resources untouched", async () => {
    const broken = brokenStatefulSet();
    const cases = [
      stsDelete,
      withRequest(broken, { operation: "CONNECT" }),
      withRequest(broken, { subResource: "scale" }),
      withRequest(broken, { subResource: "status" }),
    ];
    for (const review of cases) {
      for (const path of ["/validate", "/mutate"]) {
        const { body } = await post(worker, path, review);
        expect(body.response).toEqual({ uid: review.request.uid, allowed: true });
      }
    }
  });

  it("reviews PersistentVolumeClaims", async () => {
    const { status, body } = await post(worker, "/validate", pvcCreate);
    expect(status).toBe(200);
    expect(body.response.uid).toBe(pvcCreate.request.uid);
  });

  it("skips the exempt kube-system namespace", async () => {
    const review = withRequest(brokenStatefulSet(), { namespace: "kube-system" });
    const { body } = await post(worker, "/validate", review);
    expect(body.response.allowed).toBe(true);
  });
});

describe("bad input", () => {
  it("400 for a body that is not JSON", async () => {
    const { status, body } = await post(worker, "/validate", "{not json");
    expect(status).toBe(400);
    expect(body.error).toMatch(/not valid JSON/);
  });

  it.each([
    [{ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview" }, "request"],
    [withRequest(stsCreate, { uid: undefined }), "request.uid"],
    [withRequest(stsCreate, { kind: undefined }), "request.kind"],
    [withRequest(stsCreate, { operation: "PATCH" }), "request.operation"],
    [{ ...stsCreate, apiVersion: "admission.k8s.io/v2" }, "apiVersion"],
    [{ ...stsCreate, kind: "Review" }, "kind"],
    [[1, 2, 3], "<root>"],
  ])("400 naming the wrong field %#", async (review, field) => {
    const { status, body } = await post(worker, "/mutate", review);
    expect(status).toBe(400);
    expect(body.error).toContain("not an AdmissionReview");
    expect(body.error).toContain(`${field}:`);
  });

  it("400 for absurd nesting", async () => {
    const deep = "[".repeat(5000) + "]".repeat(5000);
    const { status, body } = await post(worker, "/validate", deep);
    expect(status).toBe(400);
    expect(body.error).toMatch(/nests deeper/);
  });

  it("413 for a body over 3 MiB, judged from Content-Length before reading", async () => {
    const big = "x".repeat(3 * 1024 * 1024 + 1);
    const { status, body } = await post(worker, "/validate", big);
    expect(status).toBe(413);
    expect(body.error).toMatch(/exceeds/);
  });

  it("413 for a streamed body that grows past 3 MiB", async () => {
    const chunk = new TextEncoder().encode("x".repeat(1024 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 5) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const response = await worker.fetch(
      new Request("http://stateward.test/validate", { method: "POST", body: stream, duplex: "half" } as RequestInit),
    );
    expect(response.status).toBe(413);
    expect(sent).toBeLessThan(6);
  });

  it("405 with Allow for a wrong method", async () => {
    for (const [method, path, allow] of [
      ["GET", "/validate", "POST"],
      ["PUT", "/mutate", "POST"],
      ["POST", "/healthz", "GET"],
    ] as const) {
      const response = await worker.fetch(new Request(`http://stateward.test${path}`, { method }));
      expect(response.status).toBe(405);
      expect(response.headers.get("allow")).toBe(allow);
      expect((await response.json<{ error: string }>()).error).toMatch(/not allowed/);
    }
  });

  it("404 with a JSON body for an unknown path", async () => {
    const response = await worker.fetch(new Request("http://stateward.test/nope", { method: "POST" }));
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ status: 404 });
  });

  it("500 with a JSON body when the service fails, logged with the uid, and no patch", async () => {
    const log: LogLine[] = [];
    const app = createApp({
      config: () => ({
        token: undefined,
        policy: loadPolicy(undefined),
        cluster: {
          ...emptyClusterView(),
          service: () => {
            throw new Error("boom");
          },
        },
      }),
      log: (line) => log.push(line),
    });
    // A store that throws synchronously is contained by the bounded view; an engine failure is not.
    const failing = createApp({
      config: () => {
        throw new Error("configuration exploded");
      },
      log: (line) => log.push(line),
    });
    const ok = await post(appFetcher(app), "/validate", stsCreate);
    expect(ok.status).toBe(200);
    const { status, body } = await post(appFetcher(failing), "/mutate", stsCreate);
    expect(status).toBe(500);
    expect(body.error).toMatch(/internal error/);
    expect(body.response).toBeUndefined();
    expect(log.some((l) => l.level === "error")).toBe(true);

    const loaded = loadPolicy(undefined);
    if (!loaded.ok) throw new Error(loaded.error);
    const brokenEngine = createApp({
      config: () => ({
        token: undefined,
        policy: { ok: true, policy: { ...loaded.policy, forNamespace: () => { throw new Error("engine exploded"); } } },
        cluster: emptyClusterView(),
      }),
      log: (line) => log.push(line),
    });
    const broken = await post(appFetcher(brokenEngine), "/mutate", stsCreate);
    expect(broken.status).toBe(500);
    expect(broken.body.response).toBeUndefined();
    expect(log).toContainEqual(
      expect.objectContaining({ level: "error", uid: stsCreate.request.uid, error: expect.stringContaining("engine exploded") }),
    );
  });
});

describe("healthz", () => {
  it("200 with a small JSON body when usable", async () => {
    const response = await worker.fetch(new Request("http://stateward.test/healthz"));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok" });
  });

  it("503 with the reason when the policy is broken, and admission answers 500", async () => {
    const app = appWith({ policy: "rules:\n  no-such-rule: {action: deny}\n" });
    const health = await app.fetch(new Request("http://stateward.test/healthz"));
    expect(health.status).toBe(503);
    expect((await health.json<{ reason: string }>()).reason).toContain("no-such-rule");
    const { status, body } = await post(app, "/validate", stsCreate);
    expect(status).toBe(500);
    expect(body.error).toContain("policy");
  });
});

describe("livez and readyz", () => {
  it("the Worker is alive and ready with its policy loaded", async () => {
    const live = await worker.fetch(new Request("http://stateward.test/livez"));
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: "alive" });
    const ready = await worker.fetch(new Request("http://stateward.test/readyz"));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", checks: { policy: "loaded" } });
  });

  it("a broken policy leaves it alive and unready, with the reason and the name meant", async () => {
    const app = appWith({ policy: "rules:\n  storage-clas: {action: deny}\n", token: "s3cret-token" });
    expect((await app.fetch(new Request("http://stateward.test/livez"))).status).toBe(200);
    const ready = await app.fetch(new Request("http://stateward.test/readyz"));
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      status: "not ready",
      reason: "policy: invalid policy: rules: unknown field(s) storage-clas (did you mean storage-class?)",
      checks: { policy: "invalid policy: rules: unknown field(s) storage-clas (did you mean storage-class?)" },
    });
    const post = await app.fetch(new Request("http://stateward.test/readyz", { method: "POST" }));
    expect(post.status).toBe(405);
  });

  it("adds the runtime's own checks to readiness", async () => {
    const policy = loadPolicy(undefined);
    let draining = false;
    const app = createApp({
      config: () => ({ token: undefined, policy, cluster: emptyClusterView() }),
      log: () => {},
      readiness: () => [{ name: "shutdown", ready: !draining, detail: draining ? "shutting down" : "not requested" }],
    });
    expect((await app.fetch(new Request("http://stateward.test/readyz"))).status).toBe(200);
    draining = true;
    const ready = await app.fetch(new Request("http://stateward.test/readyz"));
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ reason: "shutdown: shutting down", checks: { policy: "loaded", shutdown: "shutting down" } });
  });
});

describe("authentication", () => {
  const app = appWith({ token: "s3cret-token" });

  it("401 without a token when one is configured", async () => {
    const { status, body } = await post(app, "/validate", stsCreate);
    expect(status).toBe(401);
    expect(body.error).toMatch(/token/);
  });

  it("401 with a wrong bearer token or path token", async () => {
    expect((await post(app, "/validate", stsCreate, { authorization: "Bearer nope" })).status).toBe(401);
    expect((await post(app, "/t/nope/mutate", stsCreate)).status).toBe(401);
  });

  it("accepts the bearer token and the token-in-path form", async () => {
    const bearer = await post(app, "/validate", stsCreate, { authorization: "Bearer s3cret-token" });
    expect(bearer.status).toBe(200);
    expect(bearer.body.response.uid).toBe(stsCreate.request.uid);
    const inPath = await post(app, "/t/s3cret-token/mutate", stsCreate);
    expect(inPath.status).toBe(200);
  });

  it("leaves /healthz, /livez and /readyz open", async () => {
    for (const path of ["/healthz", "/livez", "/readyz"]) {
      expect((await app.fetch(new Request(`http://stateward.test${path}`))).status, path).toBe(200);
    }
  });

  it("with no token configured, serves calls and warns once in the log", async () => {
    const log: LogLine[] = [];
    const open = appWith({ log });
    await post(open, "/validate", stsCreate);
    await post(open, "/validate", stsCreate);
    expect(log.filter((l) => l.level === "warn")).toHaveLength(1);
  });
});

describe("logs", () => {
  it("writes one structured line per review", async () => {
    const log: LogLine[] = [];
    const app = appWith({ log });
    await post(app, "/validate", brokenStatefulSet());
    const reviews = log.filter((l) => l.msg === "review");
    expect(reviews).toHaveLength(1);
    expect(reviews[0]).toMatchObject({
      uid: stsCreate.request.uid,
      operation: "CREATE",
      kind: "apps/v1/StatefulSet",
      namespace: "default",
      name: "web",
      dryRun: false,
      decision: "denied",
    });
    expect(reviews[0]!.rules).toContain("statefulset-selector");
    expect(typeof reviews[0]!.durationMs).toBe("number");
  });

  it("logs as STATEWARD_LOG says: every review, only those that deny or warn (the default), or none", async () => {
    const reviewLines = async (reviewLog: ReviewLogSetting | undefined, body: unknown) => {
      const log: LogLine[] = [];
      await post(appWith({ log, ...(reviewLog ? { reviewLog } : {}) }), "/validate", body);
      return log.filter((l) => l.msg === "review");
    };
    // A Service is not reviewed: its answer allows with nothing to say.
    expect(await reviewLines("all", serviceCreate)).toHaveLength(1);
    expect(await reviewLines("findings", serviceCreate)).toHaveLength(0);
    expect(await reviewLines(undefined, serviceCreate)).toHaveLength(0);
    expect(await reviewLines("findings", brokenStatefulSet())).toMatchObject([{ decision: "denied" }]);
    expect(await reviewLines("off", brokenStatefulSet())).toHaveLength(0);
  });
});
