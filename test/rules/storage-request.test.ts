import { describe, expect, it } from "vitest";
import { buildPolicy } from "../../src/policy/policy.js";
import { admission, clone, findings, manifest, none, pvc, review, reviewOf, statefulSet } from "./storage-helpers.js";

const run = (object: unknown, options: Parameters<typeof findings>[2] = {}) =>
  findings("storage-request", review(object), options);
const bounds = { rules: { "storage-request": { min: "1Gi", max: "100Gi" } } };
const requests = (storage: unknown) => ({ resources: { requests: { storage } } });

describe("storage-request", () => {
  it("passes a valid request within the bounds", async () => {
    for (const storage of ["1Gi", "10Gi", "1.5Ti", "100Gi", "2e9"]) {
      expect(await run(pvc("data", requests(storage)), { policy: storage === "1.5Ti" ? {} : bounds })).toEqual(none);
    }
  });

  it("denies a claim without a storage request", async () => {
    expect(await run(pvc("data", { resources: {} }))).toEqual({
      deny: ["spec.resources.requests.storage: Required value: set the volume's size, for example 10Gi [storage-request]"],
      warn: [],
    });
    expect((await run(statefulSet("db", [pvc("data", { resources: { requests: { cpu: "1" } } })]))).deny).toEqual([
      "spec.volumeClaimTemplates[0].spec.resources.requests.storage: Required value: set the volume's size, for example 10Gi [storage-request]",
    ]);
  });

  it("denies a malformed quantity with Kubernetes' wording", async () => {
    expect((await run(pvc("data", requests("10 GB")))).deny).toEqual([
      `spec.resources.requests.storage: Invalid value: "10 GB": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'; did you mean 10G or 10Gi? [storage-request]`,
    ]);
    expect((await run(pvc("data", requests("lots")))).deny).toEqual([
      `spec.resources.requests.storage: Invalid value: "lots": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' [storage-request]`,
    ]);
    expect((await run(pvc("data", requests("0")))).deny).toEqual([
      'spec.resources.requests.storage: Invalid value: "0": must be greater than zero [storage-request]',
    ]);
  });

  it("says which quantity a familiar size spelling most likely meant", async () => {
    const meant = async (text: string) => (await run(pvc("data", requests(text)))).deny[0]?.match(/did you mean (.*)\? \[/)?.[1];
    expect(await meant("10GB")).toBe("10G or 10Gi");
    expect(await meant("10gb")).toBe("10G or 10Gi");
    expect(await meant("500Mb")).toBe("500M or 500Mi");
    expect(await meant("2kB")).toBe("2k or 2Ki");
    expect(await meant("1.5TiB")).toBe("1.5Ti");
    expect(await meant("10 Gi")).toBe("10Gi");
    expect(await meant("10gi")).toBe("10Gi");
  });

  it("denies a request outside the policy's bounds", async () => {
    expect((await run(pvc("data", requests("500Mi")), { policy: bounds })).deny).toEqual([
      `spec.resources.requests.storage: Invalid value: "500Mi": must be greater than or equal to 1Gi, the policy's minimum [storage-request]`,
    ]);
    expect((await run(statefulSet("db", [pvc("data", requests("1Ti"))]), { policy: bounds })).deny).toEqual([
      `spec.volumeClaimTemplates[0].spec.resources.requests.storage: Invalid value: "1Ti": must be less than or equal to 100Gi, the policy's maximum [storage-request]`,
    ]);
    // 100G is less than 100Gi; bounds compare values, not spellings.
    expect(await run(pvc("data", requests("100G")), { policy: bounds })).toEqual(none);
  });

  it("switches the action by policy", async () => {
    const policy = { rules: { "storage-request": { max: "1Gi", action: "warn" } } };
    expect(await run(pvc("data", requests("2Gi")), { policy })).toEqual({
      deny: [],
      warn: [`spec.resources.requests.storage: Invalid value: "2Gi": must be less than or equal to 1Gi, the policy's maximum [storage-request]`],
    });
    expect(await run(pvc("data", requests("2Gi")), { policy: { rules: { "storage-request": { max: "1Gi", action: "off" } } } })).toEqual(none);
  });

  it("rejects a policy whose bounds are not quantities, naming the path", () => {
    expect(() => buildPolicy({ rules: { "storage-request": { max: "lots" } } })).toThrow(
      "rules.storage-request.max: must be a positive Kubernetes quantity such as 1Gi",
    );
  });

  it("passes the seeds' claims, and judges them against bounds", async () => {
    const mysql = manifest("seeds/002-mysql.yaml", "StatefulSet");
    expect(await run(mysql, { policy: bounds })).toEqual(none);
    expect((await run(mysql, { policy: { rules: { "storage-request": { max: "5Gi" } } } })).deny).toEqual([
      `spec.volumeClaimTemplates[0].spec.resources.requests.storage: Invalid value: "10Gi": must be less than or equal to 5Gi, the policy's maximum [storage-request]`,
    ]);
    for (const name of ["www-web-0", "www-web-1"]) {
      expect(await run(manifest("seeds/000-web-pvc.yaml", "PersistentVolumeClaim", name), { policy: bounds })).toEqual(none);
    }
  });

  it("checks objects as the API server sends them, and on UPDATE only a changed request", async () => {
    const created = admission("002-nfs.persistentvolumeclaim-nginx-pvc.create.validate.json");
    expect(await findings("storage-request", reviewOf(created), { policy: bounds })).toEqual(none);
    const resize = admission("000-web.statefulset-web.update-resize-template.validate.json");
    expect((await findings("storage-request", reviewOf(resize), { policy: { rules: { "storage-request": { max: "10Gi" } } } })).deny).toEqual([
      `spec.volumeClaimTemplates[0].spec.resources.requests.storage: Invalid value: "20Gi": must be less than or equal to 10Gi, the policy's maximum [storage-request]`,
    ]);
    const scale = admission("000-web.statefulset-web.update-scale.validate.json");
    expect(await findings("storage-request", reviewOf(scale), { policy: { rules: { "storage-request": { min: "2Gi" } } } })).toEqual(none);
    const grown = clone(created.object) as ReturnType<typeof pvc>;
    grown.spec.resources.requests.storage = "200Gi";
    expect((await findings("storage-request", review(grown, created.object), { policy: bounds })).deny).toHaveLength(1);
  });
});
