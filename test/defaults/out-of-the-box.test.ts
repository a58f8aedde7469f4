import { readdirSync, readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { run, runFixture } from "./helpers.js";

const fixtures = new URL("../fixtures/", import.meta.url);
const mutateFixtures = readdirSync(new URL("admission/", fixtures))
  .filter((f) => f.endsWith(".mutate.json"))
  .map((f) => f.replace(/\.json$/, ""));
const seedObjects = readdirSync(new URL("seeds/", fixtures))
  .filter((f) => f.endsWith(".yaml"))
  .flatMap((file) =>
    parseAllDocuments(readFileSync(new URL(`seeds/${file}`, fixtures), "utf8"))
      .map((d) => d.toJS() as Record<string, any>)
      .filter((o) => o?.kind === "StatefulSet" || o?.kind === "PersistentVolumeClaim")
      .map((o) => [`${file} ${o.kind}/${o.metadata.name}`, o] as const),
  );

describe("the defaults without a policy", () => {
  it.each(mutateFixtures)("change nothing the API server already defaulted: %s", (name) => {
    const out = runFixture(name);
    expect(out.changes).toEqual([]);
    expect(out.patch).toBeUndefined();
  });

  it.each(seedObjects)("make the API server's defaults explicit in the seed %s, keeping the user's values", (_, object) => {
    const out = run(object.kind, object);
    if (object.kind === "PersistentVolumeClaim") {
      // The seeds' claims name their class and modes; nothing is left to default.
      expect(out.patch).toBeUndefined();
      return;
    }
    const spec = out.patched.spec;
    expect(spec.template.spec.terminationGracePeriodSeconds).toBe(object.spec.template.spec.terminationGracePeriodSeconds ?? 30);
    expect(spec.updateStrategy).toEqual({ type: "RollingUpdate", rollingUpdate: { partition: 0 } });
    expect(spec.podManagementPolicy).toBe("OrderedReady");
    expect(spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: "Retain", whenScaled: "Retain" });
    expect(spec.volumeClaimTemplates).toEqual(object.spec.volumeClaimTemplates);
    expect(out.patched.metadata.annotations["stateward.dev/defaulted"]).toBe(out.applied.slice().sort().join(","));
    expect(run(object.kind, out.patched).patch).toBeUndefined();
  });

  it("report no warnings and write no annotation when the policy says so", () => {
    const [, object] = seedObjects.find(([name]) => name.startsWith("002-mysql"))!;
    const out = run(object.kind, object, { defaults: { annotate: false } });
    expect(out.patched.metadata.annotations).toBeUndefined();
    expect(out.changes.length).toBeGreaterThan(0);
  });
});
