import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { jsonLinesLog } from "../../src/node/log.js";

describe("the Node server's JSON-lines log", () => {
  it("writes each line as one JSON object with the app's fields and its level as a word, nothing added", () => {
    const writes: string[] = [];
    const { log } = jsonLinesLog({ write: (text: string) => writes.push(text) });
    log({ msg: "review", uid: "a", decision: "denied", rules: ["statefulset-headless-service"], note: undefined });
    log({ level: "warn", msg: "review", uid: "b", note: "line\nbreak" });
    log({ level: "no-such-level", msg: "odd" });
    const lines = writes.join("").trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { level: "info", msg: "review", uid: "a", decision: "denied", rules: ["statefulset-headless-service"] },
      { level: "warn", msg: "review", uid: "b", note: "line\nbreak" },
      { level: "info", msg: "odd" },
    ]);
  });

  it("writes what is pending at once on flush, so nothing is lost when the server stops", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stateward-log-"));
    try {
      const file = join(dir, "out.log");
      // Asynchronous, as on stdout, and holding lines back until 8 KiB are pending: only flush writes them.
      const destination = pino.destination({ dest: file, sync: false, minLength: 8 * 1024 });
      await once(destination, "ready");
      const { log, flush } = jsonLinesLog(destination);
      log({ msg: "stopping" });
      flush();
      expect(readFileSync(file, "utf8")).toBe('{"level":"info","msg":"stopping"}\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
