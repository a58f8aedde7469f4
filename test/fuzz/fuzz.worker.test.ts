/**
 * The fuzzer inside workerd, through the deployed Worker's own fetch (bindings from wrangler.toml): a smaller run than
 * the Node one, because the same app code runs there; what it adds is the runtime (Request, streams, JSON, btoa).
 */
import { exports } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import pvcMutate from "../fixtures/admission/000-web-pvc.persistentvolumeclaim-www-web-0.create.mutate.json";
import pvcValidate from "../fixtures/admission/000-web-pvc.persistentvolumeclaim-www-web-0.server.validate.json";
import stsServerMutate from "../fixtures/admission/000-web.statefulset-web.server.mutate.json";
import stsClientMutate from "../fixtures/admission/002-mysql.statefulset-mysql.client.mutate.json";
import stsUpdate from "../fixtures/admission/001-web.statefulset-web.update-resize-template.validate.json";
import stsV1beta1 from "../fixtures/admission/003-backend.statefulset-backend.client.validate.v1beta1.json";
import { fuzzCase, pollutionMarker } from "./generators.js";
import { ask, judge } from "./oracle.js";

const runs = 200;
const bases = [pvcMutate, pvcValidate, stsServerMutate, stsClientMutate, stsUpdate, stsV1beta1] as unknown[];

describe("fuzzing the Worker in workerd", () => {
  it(`answers ${runs} abusive requests with a well-formed review or a 4xx JSON error`, { timeout: 120_000 }, async () => {
    // The Worker logs one line per review; thousands of them would bury the test report.
    const quiet = vi.spyOn(console, "log").mockImplementation(() => undefined);
    let reviews = 0;
    // The first review loads the policy and builds the rules, which on a loaded machine takes longer than the time an
    // answer is given: done once before the clock runs, so a hang still fails and a cold start does not.
    const warm = await exports.default.fetch(
      new Request("http://stateward.test/validate", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(pvcValidate) }),
    );
    expect(warm.status).toBe(200);
    await fc.assert(
      fc.asyncProperty(fuzzCase(bases), async ({ body, route }) => {
        const answer = await ask(exports.default, route, body);
        if (answer.status === 200) reviews++;
        const problems = judge(route, body, answer);
        if (problems.length > 0) {
          throw new Error(`${route} answered badly:\n  ${problems.join("\n  ")}\nbody (${body.length} chars): ${body.slice(0, 600)}`);
        }
      }),
      { numRuns: runs, seed: 20_261_123 },
    ).finally(() => quiet.mockRestore());
    expect(reviews / runs).toBeGreaterThan(0.3);
    expect(({} as Record<string, unknown>)[pollutionMarker]).toBeUndefined();
  });
});
