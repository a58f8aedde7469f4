/**
 * The one edit distance and the one "did you mean" (src/k8s/names.ts) that rule ids, policy keys, flags, commands,
 * exemption annotations, claim templates and Services are all suggested with.
 */
import { describe, expect, it } from "vitest";
import { closestName, didYouMean, editDistance } from "../../src/k8s/names.js";

describe("editDistance", () => {
  it("counts insertions, deletions, substitutions and a swap of neighbours as one each", () => {
    expect(editDistance("policy", "policy")).toBe(0);
    expect(editDistance("polcy", "policy")).toBe(1);
    expect(editDistance("policyy", "policy")).toBe(1);
    expect(editDistance("polixy", "policy")).toBe(1);
    expect(editDistance("ploicy", "policy")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
  });
});

describe("closestName", () => {
  const rules = ["storage-class", "storage-request", "statefulset-headless-service"];
  it("finds a near typo, ignoring case, and a name the typed one begins", () => {
    expect(closestName("storage-clas", rules)).toBe("storage-class");
    expect(closestName("Storage-Class", ["storage-class"])).toBeUndefined(); // the same name is no suggestion
    expect(closestName("STORAGE-CLAS", rules)).toBe("storage-class");
    expect(closestName("statefulset-head", rules)).toBe("statefulset-headless-service");
  });

  it("falls back to the one name that contains or abbreviates the typed one", () => {
    expect(closestName("headless-service", rules)).toBe("statefulset-headless-service");
    expect(closestName("db-headless", ["db-hl", "cache"])).toBe("db-hl");
    expect(closestName("maximum", ["max", "min"])).toBe("max");
  });

  it("answers nothing when two fit equally well or nothing is near", () => {
    expect(closestName("data", ["date", "dat"])).toBeUndefined();
    expect(closestName("www", ["wwx", "wxw"])).toBeUndefined();
    expect(closestName("zzz", rules)).toBeUndefined();
    expect(closestName("ab", ["abcdef"])).toBeUndefined();
  });

  it("is worded once: didYouMean", () => {
    expect(didYouMean("polcy", ["policy", "output"], (name) => `--${name}`)).toBe("; did you mean --policy?");
    expect(didYouMean("zzz", ["policy"])).toBe("");
  });
});
