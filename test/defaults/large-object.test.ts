import { describe, expect, it } from "vitest";
import { only, run, seed } from "./helpers.js";

describe("mutating a large object", () => {
  it("patches only what changed: 20,000 unchanged env entries neither overflow the stack nor appear in the patch", () => {
    const sts = seed("002-mysql.yaml", "StatefulSet");
    sts.spec.template.spec.containers[0].env = Array.from({ length: 20_000 }, (_, i) => ({
      name: `VAR_${i}`,
      value: "x".repeat(60),
    }));
    expect(JSON.stringify(sts).length).toBeGreaterThan(1_500_000);
    const out = run("StatefulSet", sts, only("default-termination-grace", { seconds: 5 }));
    expect(out.patch).toEqual([
      { op: "add", path: "/spec/template/spec/terminationGracePeriodSeconds", value: 5 },
      { op: "add", path: "/metadata/annotations", value: { "stateward.dev/defaulted": "default-termination-grace" } },
    ]);
    // How long it takes is measured by `npm run bench` (the 1.5 MiB case), not here: a unit test's clock on a loaded
    // machine says nothing.
  });
});
