/**
 * Workers Analytics Engine: without a binding the Worker records nothing and answers as always; with one (a fake
 * dataset here) each review, finding, default and error becomes a data point, and a failing dataset costs no answer.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import workerModule from "../../src/worker/index.js";
import mysqlMutate from "../fixtures/admission/002-mysql.statefulset-mysql.client.mutate.json";
import stsCreate from "../fixtures/admission/000-web.statefulset-web.create.validate.json";
import { post } from "./helpers.js";

function fakeDataset() {
  const points: AnalyticsEngineDataPoint[] = [];
  return { points, dataset: { writeDataPoint: (point?: AnalyticsEngineDataPoint) => void points.push(point ?? {}) } };
}

/** The Worker entry with extra bindings, as a deployment with them would run (the other bindings from wrangler.toml). */
const workerWith = (bindings: Record<string, unknown>) => ({
  fetch: (request: Request) => workerModule.fetch(request, { ...env, ...bindings }),
});

describe("Workers Analytics Engine", () => {
  it("is not configured in wrangler.toml, and the Worker answers reviews without it", async () => {
    expect((env as Record<string, unknown>).STATEWARD_ANALYTICS).toBeUndefined();
    const { status, body } = await post(exports.default, "/validate", stsCreate);
    expect(status).toBe(200);
    expect(body.response.uid).toBe(stsCreate.request.uid);
  });

  it("writes a data point per review, per rule and action, and per default applied", async () => {
    const { points, dataset } = fakeDataset();
    const worker = workerWith({ STATEWARD_ANALYTICS: dataset, STATEWARD_POLICY: "defaults: {default-termination-grace: {seconds: 60}}" });
    expect((await post(worker, "/validate", stsCreate)).status).toBe(200);
    expect((await post(worker, "/mutate", mysqlMutate)).status).toBe(200);

    const reviews = points.filter((p) => p.blobs?.[0] === "review");
    expect(reviews.map((p) => p.blobs)).toEqual([
      ["review", "/validate", "StatefulSet", "CREATE", "allowed"],
      ["review", "/mutate", "StatefulSet", "CREATE", "patched"],
    ]);
    for (const point of reviews) {
      expect(point.indexes).toEqual(["review"]);
      expect(point.doubles).toHaveLength(4);
      expect(point.doubles![0]).toBeGreaterThanOrEqual(0);
    }
    // Two warnings on the seed (readinessProbe, replicas not spread), and could-not-verify on its Service and on the
    // PodDisruptionBudgets.
    expect(reviews[0]!.doubles!.slice(1)).toEqual([0, 4, 0]);
    expect(points.filter((p) => p.blobs?.[0] === "finding").map((p) => [p.blobs, p.doubles])).toEqual(
      expect.arrayContaining([[["finding", "/validate", "StatefulSet", "statefulset-readiness-probe", "warn"], [1]]]),
    );
    expect(points.filter((p) => p.blobs?.[0] === "default").map((p) => p.blobs)).toContainEqual([
      "default",
      "/mutate",
      "StatefulSet",
      "default-termination-grace",
    ]);
  });

  it("writes an error point when the policy is broken, and still answers when the dataset throws", async () => {
    const { points, dataset } = fakeDataset();
    const broken = workerWith({ STATEWARD_ANALYTICS: dataset, STATEWARD_POLICY: "rules: {storage-clas: {}}" });
    expect((await post(broken, "/validate", stsCreate)).status).toBe(500);
    expect(points).toEqual([{ indexes: ["error"], blobs: ["error", "/validate", "policy"], doubles: [1] }]);

    const failing = workerWith({
      STATEWARD_ANALYTICS: {
        writeDataPoint() {
          throw new Error("dataset unavailable");
        },
      },
    });
    const { status, body } = await post(failing, "/validate", stsCreate);
    expect(status).toBe(200);
    expect(body.response.uid).toBe(stsCreate.request.uid);
  });
});
