import { describe, expect, it } from "vitest";
import { readNodeOptions } from "../../src/node/options.js";
import { defaultReviewLog, logsReview, readReviewLog } from "../../src/http/review-log.js";
import { FieldPath, required } from "../../src/k8s/field.js";

describe("the log switch (STATEWARD_LOG)", () => {
  it("reads all, findings and off in any case, the default when unset, and refuses anything else by name", () => {
    expect(readReviewLog(undefined)).toEqual({ setting: defaultReviewLog });
    expect(readReviewLog(" ")).toEqual({ setting: defaultReviewLog });
    expect(readReviewLog("OFF")).toEqual({ setting: "off" });
    expect(readReviewLog("all")).toEqual({ setting: "all" });
    expect(readReviewLog("verbose")).toEqual({ error: 'STATEWARD_LOG takes all, findings, off, not "verbose"' });
  });

  it("is --log or STATEWARD_LOG on the Node server, the flag winning, and a wrong value is a usage error", () => {
    expect(readNodeOptions([], {}).log).toBe(defaultReviewLog);
    expect(readNodeOptions([], { STATEWARD_LOG: "all" }).log).toBe("all");
    expect(readNodeOptions(["--log", "off"], { STATEWARD_LOG: "all" }).log).toBe("off");
    expect(() => readNodeOptions(["--log", "loud"], {})).toThrow("--log takes all, findings, off (STATEWARD_LOG)");
  });

  it("findings logs a review an exemption annotation changed, even when its answer is a plain allow", () => {
    const allowed = { response: { uid: "u", allowed: true }, decision: "allowed" as const, rules: [], findings: [] };
    expect(logsReview("findings", allowed)).toBe(false);
    const exemption = { ruleId: "statefulset-spread", annotation: "stateward.dev/ignore-statefulset-spread", reason: "one node" };
    const exempted = [{ ruleId: "statefulset-spread", action: "warn" as const, error: required(FieldPath.root("spec"), "x"), exemption }];
    expect(logsReview("findings", { ...allowed, exempted })).toBe(true);
    expect(logsReview("off", { ...allowed, exempted })).toBe(false);
  });
});
