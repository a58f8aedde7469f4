/** The documented limits (docs/limits.md): shapes refused before any rule runs, and the cap on reported findings. */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validateWarningBudget } from "../../src/admission/warnings.js";
import { emptyClusterView } from "../../src/cluster/view.js";
import { createApp } from "../../src/http/app.js";
import { maxCollectionEntries, maxNestingDepth, shapeProblem } from "../../src/http/limits.js";
import { loadPolicy } from "../../src/policy/policy.js";

const dir = "test/fixtures/admission";
const read = (file: string) => JSON.parse(readFileSync(`${dir}/${file}`, "utf8"));

describe("shapeProblem", () => {
  it("accepts every real AdmissionReview of the fixtures", () => {
    const files = readdirSync(dir).filter((f) => f.endsWith(".json"));
    expect(files.length).toBeGreaterThan(50);
    for (const file of files) expect(shapeProblem(read(file)), file).toBeUndefined();
  });

  it("refuses nesting past the depth limit, and accepts it at the limit", () => {
    const nest = (depth: number) => {
      let value: unknown = 1;
      for (let i = 0; i < depth; i++) value = [value];
      return value;
    };
    expect(shapeProblem(nest(maxNestingDepth))).toBeUndefined();
    expect(shapeProblem(nest(maxNestingDepth + 1))).toBe(`request body nests deeper than ${maxNestingDepth} levels`);
  });

  it("refuses a list or map longer than the entries limit, and accepts one at the limit", () => {
    const review = read("000-web.statefulset-web.create.validate.json");
    review.request.object.metadata.labels = Object.fromEntries(Array.from({ length: maxCollectionEntries }, (_, i) => [`k${i}`, "v"]));
    expect(shapeProblem(review)).toBeUndefined();
    review.request.object.spec.template.spec.containers = Array.from({ length: maxCollectionEntries + 1 }, () => ({ name: "c" }));
    expect(shapeProblem(review)).toBe(
      `request body has a list or map of ${maxCollectionEntries + 1} entries; the limit is ${maxCollectionEntries}`,
    );
  });

  it("counts a map's keys exactly, a __proto__ key included, when it refuses it", () => {
    const labels = Object.fromEntries(Array.from({ length: maxCollectionEntries + 4 }, (_, i) => [`k${i}`, "v"]));
    const body = JSON.parse(`{"metadata":{"labels":${JSON.stringify(labels).replace("{", '{"__proto__":"x",')}}}`);
    expect(shapeProblem(body)).toBe(
      `request body has a list or map of ${maxCollectionEntries + 5} entries; the limit is ${maxCollectionEntries}`,
    );
  });
});

describe("findings reported per response", () => {
  it("keeps the warnings within their budget and counts the rest, so a pathological object cannot swell the response", async () => {
    const review = read("000-web.statefulset-web.create.validate.json");
    // Each container mounts a volume of its own name that does not exist: a different warning for each.
    review.request.object.spec.template.spec.containers = Array.from({ length: 5_000 }, (_, i) => ({
      name: `c${i}`,
      image: "nginx",
      volumeMounts: [{ name: `v${i}`, mountPath: "/v" }],
    }));
    const warnPolicy = loadPolicy(JSON.stringify({ rules: { "statefulset-volume-mounts": { action: "warn" } } }));
    const warnApp = createApp({ config: () => ({ token: undefined, policy: warnPolicy, cluster: emptyClusterView() }), log: () => undefined });
    const response = await warnApp.fetch(
      new Request("http://stateward.test/validate", { method: "POST", body: JSON.stringify(review) }),
    );
    const text = await response.text();
    const warnings: string[] = JSON.parse(text).response.warnings;
    expect(response.status).toBe(200);
    expect(warnings.join("").length).toBeLessThanOrEqual(validateWarningBudget);
    expect(warnings.at(-1)).toMatch(/^and \d+ more: run stateward check$/);
    expect(warnings.length - 1 + Number(/\d+/.exec(warnings.at(-1)!)![0])).toBeGreaterThanOrEqual(5_000);
    expect(text.length).toBeLessThan(32 * 1024);
  });
});
