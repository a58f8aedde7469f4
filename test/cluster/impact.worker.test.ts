/**
 * What a StatefulSet change will do, answered by the Worker inside workerd: the same UPDATE scenarios as the Node
 * tests (test/rules/statefulset-impact.test.ts), from test/fixtures/rollouts.ts.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { impactScenarios } from "../fixtures/rollouts.js";

interface ReviewAnswer {
  response: { allowed: boolean; warnings?: string[]; status?: { message: string } };
}

async function validate(review: unknown): Promise<ReviewAnswer> {
  const res = await exports.default.fetch(new Request("http://x/validate", { method: "POST", body: JSON.stringify(review) }));
  expect(res.status).toBe(200);
  return (await res.json()) as ReviewAnswer;
}

const ofRule = (answer: ReviewAnswer, id: string) => (answer.response.warnings ?? []).filter((w) => w.endsWith(`[${id}]`));

describe("statefulset-impact in workerd", () => {
  for (const scenario of impactScenarios) {
    it(scenario.name, async () => {
      const answer = await validate(scenario.review());
      expect(answer.response.allowed).toBe(true);
      expect(ofRule(answer, "statefulset-impact")).toEqual(scenario.warning === undefined ? [] : [scenario.warning]);
    });
  }
});
