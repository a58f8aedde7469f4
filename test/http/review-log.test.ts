import { describe, expect, it } from "vitest";
import { readNodeOptions } from "../../src/node/options.js";
import { defaultReviewLog, readReviewLog } from "../../src/http/review-log.js";

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
});
