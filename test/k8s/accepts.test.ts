/**
 * acceptsOf(schema) must answer exactly what schema.safeParse(value).success answers: the decoders trust it instead
 * of zod for every accepted object. Checked on the fuzzer's mutated real reviews, with every kind's schema, and on
 * the values that tell the two readings apart if one of them is wrong.
 */
import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { acceptsOf } from "../../src/k8s/accepts.js";
import { admissionReviewSchema } from "../../src/k8s/admission.js";
import { kinds } from "../../src/k8s/kinds.js";
import { shapeProblem } from "../../src/http/limits.js";
import { fuzzCase } from "../fuzz/generators.js";

const dir = "test/fixtures/admission";
const bases = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((f) => JSON.parse(readFileSync(`${dir}/${f}`, "utf8")) as unknown);

const schemas: Array<[string, z.ZodType]> = [
  ["AdmissionReview", admissionReviewSchema],
  ...Object.entries(kinds).map(([kind, { schema }]) => [kind, schema] as [string, z.ZodType]),
];

function agrees(schema: z.ZodType, value: unknown): void {
  const zod = schema.safeParse(value).success;
  if (acceptsOf(schema)(value) !== zod) expect.fail(`zod says ${zod} of ${JSON.stringify(value)?.slice(0, 400)}`);
}

describe("acceptsOf", () => {
  it("agrees with zod on mutated real reviews, for the envelope and for every kind's schema", () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(fuzzCase(bases), ({ body }) => {
        let value: any;
        try {
          value = JSON.parse(body);
        } catch {
          return;
        }
        // The decoders only ever see bodies within the shape limits.
        if (shapeProblem(value)) return;
        const candidates = [value, value?.request?.object, value?.request?.oldObject];
        for (const [, schema] of schemas) {
          for (const candidate of candidates) {
            agrees(schema, candidate);
            if (acceptsOf(schema)(candidate)) accepted++;
            else refused++;
          }
        }
      }),
      { numRuns: 1_000, seed: 20_261_202 },
    );
    // Both answers must be common, or the property says little.
    expect(accepted).toBeGreaterThan(300);
    expect(refused).toBeGreaterThan(300);
  });

  it("agrees on the values where a hand-written check would go wrong", () => {
    const withSymbol = { app: "x", [Symbol("s")]: "y" };
    const nullPrototype = Object.assign(Object.create(null), { app: "x" });
    const foreignConstructor = JSON.parse('{"constructor":{"prototype":{}},"app":"x"}');
    const protoKey = JSON.parse('{"__proto__":5,"app":"x"}');
    const labels = z.record(z.string(), z.string());
    for (const value of [withSymbol, nullPrototype, foreignConstructor, protoKey, [], new Date(), "x", null, undefined]) {
      agrees(labels, value);
      agrees(z.looseObject({ app: z.string().nullish() }), value);
      agrees(z.object({ app: z.string() }), value);
      agrees(z.strictObject({ app: z.string() }), value);
    }
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, 1.5, -0, "1", true, null, undefined]) {
      agrees(z.number(), value);
      agrees(z.number().int(), value);
      agrees(z.union([z.number(), z.string()]).nullish(), value);
      agrees(z.boolean().nullable(), value);
      agrees(z.enum(["CREATE", "UPDATE"]).optional(), value);
      agrees(z.literal("AdmissionReview"), value);
      agrees(z.string().min(1), value);
      agrees(z.array(z.string()).max(1), [value, value]);
    }
    agrees(admissionReviewSchema, { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: { uid: "" } });
  });
});
