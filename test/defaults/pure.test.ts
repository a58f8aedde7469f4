/**
 * Defaults read the object and return changes; they never write to it. The engine hands them the request's own object
 * (and later a copy that shares its untouched parts), so a write would change the request behind the patch's back.
 */
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { admission, run, seed } from "./helpers.js";
import { defaults } from "../../src/defaults/index.js";

const deepFreeze = <T>(value: T): T => {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
};

const fixtures = readdirSync(new URL("../fixtures/admission/", import.meta.url))
  .filter((name) => name.endsWith(".mutate.json"))
  .map((name) => name.replace(/\.json$/, ""));

const everything = {
  defaults: {
    "default-termination-grace": { seconds: 60 },
    "default-update-strategy": { partition: 2 },
    "default-pod-management-policy": { podManagementPolicy: "Parallel" },
    "default-retention-policy": { whenScaled: "Delete" },
    "default-storage-class": { storageClassName: "fast" },
    "default-access-modes": { accessModes: ["ReadWriteOnce"] },
    "default-labels": { labels: { tier: "db", "app.kubernetes.io/part-of": "shop" } },
  },
};

describe("defaults are functions of the object", () => {
  it("change nothing in the request's object (frozen: a write throws), while every default applies somewhere", () => {
    const applied = new Set<string>();
    for (const name of fixtures) {
      const f = admission(name);
      const out = run(f.kind, deepFreeze(f.object), everything as never, f.operation, f.oldObject && deepFreeze(f.oldObject));
      for (const id of out.applied) applied.add(id);
    }
    // Every fixture's claims have access modes.
    const bare = seed("002-mysql.yaml", "StatefulSet");
    delete bare.spec.volumeClaimTemplates[0].spec.accessModes;
    for (const id of run("StatefulSet", deepFreeze(bare), everything as never).applied) applied.add(id);
    expect([...applied].sort()).toEqual(defaults.map((d) => d.id).sort());
  });
});
