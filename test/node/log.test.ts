import { describe, expect, it } from "vitest";
import { jsonLinesLog } from "../../src/node/log.js";

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe("the Node server's JSON-lines log", () => {
  it("writes the lines of one turn of the event loop in one write, in order, each a JSON object on its own line", async () => {
    const writes: string[] = [];
    const { log } = jsonLinesLog((text) => writes.push(text));
    log({ msg: "review", uid: "a" });
    log({ msg: "review", uid: "b", note: "line\nbreak" });
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toHaveLength(1);
    expect(writes[0]!.endsWith("\n")).toBe(true);
    expect(writes[0]!.trimEnd().split("\n").map((l) => JSON.parse(l))).toEqual([
      { msg: "review", uid: "a" },
      { msg: "review", uid: "b", note: "line\nbreak" },
    ]);
    log({ msg: "review", uid: "c" });
    await nextTurn();
    expect(writes).toHaveLength(2);
    expect(JSON.parse(writes[1]!)).toEqual({ msg: "review", uid: "c" });
  });

  it("writes what is pending at once on flush, so nothing is lost when the server stops", () => {
    const writes: string[] = [];
    const { log, flush } = jsonLinesLog((text) => writes.push(text));
    log({ msg: "stopping" });
    flush();
    expect(writes).toEqual(['{"msg":"stopping"}\n']);
    flush();
    expect(writes).toHaveLength(1);
  });
});
