/**
 * The fuzzer in Node: mutated real AdmissionReviews through the app in process. CI runs a few thousand requests;
 * `STATEWARD_FUZZ_RUNS=100000 STATEWARD_FUZZ_SEED=$RANDOM npx vitest run --project node test/fuzz` runs a full abuse campaign.
 */
import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { memoryClusterView } from "../../src/cluster/view.js";
import { createApp } from "../../src/http/app.js";
import { loadPolicy } from "../../src/policy/policy.js";
import { webCluster } from "../fixtures/web-cluster.js";
import { fuzzCase, pollutionMarker, serialize } from "./generators.js";
import { ask, judge } from "./oracle.js";

const runs = Number(process.env.STATEWARD_FUZZ_RUNS ?? 2_000);
// A fixed seed keeps CI reproducible; a campaign varies it (fast-check prints the seed of any failure).
const seed = Number(process.env.STATEWARD_FUZZ_SEED ?? 20_261_123);
const dir = "test/fixtures/admission";
const bases = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((f) => JSON.parse(readFileSync(`${dir}/${f}`, "utf8")) as unknown);

function app() {
  const policy = loadPolicy(undefined);
  const cluster = memoryClusterView(webCluster);
  return createApp({ config: () => ({ token: undefined, policy, cluster }), log: () => {} });
}

describe("fuzzing the app with mutated AdmissionReviews", () => {
  it(`answers ${runs} abusive requests with a well-formed review or a 4xx JSON error`, { timeout: 60_000 + runs * 30 }, async () => {
    const target = app();
    const statuses = new Map<number, number>();
    let patches = 0;
    await fc.assert(
      fc.asyncProperty(fuzzCase(bases), async ({ body, route }) => {
        const answer = await ask(target, route, body);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (answer.status === 200 && answer.text.includes('"patch"')) patches++;
        const problems = judge(route, body, answer);
        if (problems.length > 0) {
          throw new Error(`${route} answered badly:\n  ${problems.join("\n  ")}\nbody (${body.length} chars): ${body.slice(0, 600)}`);
        }
      }),
      { numRuns: runs, seed, endOnFailure: false },
    );
    // A fuzzer whose requests all bounce off the envelope check tests nothing: most must reach the rules.
    expect((statuses.get(200) ?? 0) / runs).toBeGreaterThan(0.3);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
    expect(patches).toBeGreaterThan(0);
    expect(({} as Record<string, unknown>)[pollutionMarker]).toBeUndefined();
  });

  /** The seeds' web review with each label-like map replaced by `map`, as raw JSON text. */
  function reviewWithMaps(map: string): string {
    const base = JSON.parse(readFileSync(`${dir}/000-web.statefulset-web.create.mutate.json`, "utf8"));
    const object = base.request.object;
    // Raw JSON text: an object literal's __proto__ would set the prototype instead of a key.
    const placeholder = "\u0001hostile\u0001";
    object.metadata.labels = placeholder;
    object.metadata.annotations = placeholder;
    object.spec.selector.matchLabels = placeholder;
    object.spec.template.metadata.labels = placeholder;
    object.spec.template.spec.nodeSelector = placeholder;
    return serialize(base).replaceAll('"\\u0001hostile\\u0001"', map);
  }

  it("keeps constructor and prototype keys as plain data in labels, annotations and selectors", async () => {
    const target = app();
    const body = reviewWithMaps('{"constructor":{"prototype":{"statewardPolluted":"yes"}},"prototype":"x"}');
    for (const route of ["/validate", "/mutate"] as const) {
      const answer = await ask(target, route, body);
      expect(judge(route, body, answer)).toEqual([]);
      // Wrong-typed label values are reported as such, not crashed on; nothing leaks onto Object.prototype.
      if (route === "/validate") {
        expect(JSON.parse(answer.text).response).toMatchObject({ allowed: false, status: { code: 403 } });
      }
    }
    expect(({} as Record<string, unknown>)[pollutionMarker]).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty(pollutionMarker);
  });

  it("refuses a __proto__ key anywhere with a 400 that names where it is", async () => {
    const target = app();
    const body = reviewWithMaps('{"__proto__":{"statewardPolluted":"yes"},"app":"web"}');
    for (const route of ["/validate", "/mutate"] as const) {
      const answer = await ask(target, route, body);
      expect(judge(route, body, answer)).toEqual([]);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.text).error).toMatch(/^request body: request\.object\.metadata\.labels\.__proto__: Forbidden: /);
    }
    expect(({} as Record<string, unknown>)[pollutionMarker]).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty(pollutionMarker);
  });
});
