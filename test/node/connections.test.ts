/**
 * What one connection may hold of the Node server, run on the built command: a stalled client is cut off after the
 * header and request timeouts (an API server gives up on a webhook after at most 30 s), and past the connection cap
 * new connections are closed at once while the held ones still get answers.
 */
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { connectionLimits } from "../../src/node/options.js";
import { spawnNodeServer } from "./spawn-server.js";

const fixture = readFileSync("test/fixtures/admission/000-web.statefulset-web.create.validate.json", "utf8");

let server: { child: ChildProcess; url: string } | undefined;
afterEach(() => {
  server?.child.kill("SIGKILL");
  server = undefined;
});

/** A raw connection; resolves once connected. */
function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => resolve(socket));
    socket.on("error", reject);
  });
}

/** Milliseconds until the server closes `socket`, or rejects after `limitMs`. */
function closedWithin(socket: Socket, limitMs: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still open after ${limitMs} ms`)), limitMs);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(performance.now() - started);
    });
    socket.resume();
  });
}

describe("connection limits", () => {
  it("cuts off a client that stalls in its headers or its body", async () => {
    server = await spawnNodeServer(["--host", "127.0.0.1", "--port", "0"], { STATEWARD_WATCH: "false" });
    const port = Number(new URL(server.url).port);
    const { requestTimeout, headersTimeout } = connectionLimits.serverOptions;
    const slowHeaders = await open(port);
    slowHeaders.write("POST /validate HTTP/1.1\r\nHost: x\r\n");
    const slowBody = await open(port);
    slowBody.write(`POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${fixture.length}\r\n\r\n`);
    // A byte every few seconds: never idle, never done.
    const drip = setInterval(() => slowBody.write(" "), 3_000);
    try {
      // Node checks connections against the timeouts every second (connectionsCheckingInterval); the slack is for a
      // loaded machine. Node's defaults held such a connection 60 s and 300 s.
      const [headers, body] = await Promise.all([closedWithin(slowHeaders, headersTimeout + 15_000), closedWithin(slowBody, requestTimeout + 15_000)]);
      expect(headers).toBeLessThan(headersTimeout + 15_000);
      expect(body).toBeLessThan(requestTimeout + 15_000);
    } finally {
      clearInterval(drip);
    }
  }, 90_000);

  it("closes connections past the cap at once, and still answers on the ones it holds", async () => {
    server = await spawnNodeServer(["--host", "127.0.0.1", "--port", "0"], { STATEWARD_WATCH: "false" });
    const port = Number(new URL(server.url).port);
    const held: Socket[] = [];
    try {
      for (let i = 0; i < connectionLimits.maxConnections; i += 1) held.push(await open(port));
      // The server accepts asynchronously: one request answered on the last connection shows it holds them all.
      const last = held.at(-1)!;
      const answered = new Promise<string>((resolve) => last.once("data", (chunk) => resolve(chunk.toString())));
      last.write("GET /livez HTTP/1.1\r\nHost: x\r\n\r\n");
      expect(await answered).toMatch(/^HTTP\/1\.1 200 /);

      const extra = await open(port);
      await closedWithin(extra, 10_000);
      const first = held[0]!;
      const stillAnswered = new Promise<string>((resolve) => first.once("data", (chunk) => resolve(chunk.toString())));
      first.write("GET /livez HTTP/1.1\r\nHost: x\r\n\r\n");
      expect(await stillAnswered).toMatch(/^HTTP\/1\.1 200 /);
    } finally {
      for (const socket of held) socket.destroy();
    }
  }, 60_000);
});
