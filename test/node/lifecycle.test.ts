/**
 * The Node server's life as Kubernetes sees it: alive apart from ready (a broken policy keeps the process up and out
 * of the Service), and a SIGTERM that drains instead of dropping the reviews routed to it meanwhile.
 */
import { type ChildProcess, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { certificateCheck } from "../../src/node/tls.js";
import { spawnNodeServer } from "./spawn-server.js";

const fixture = readFileSync("test/fixtures/admission/000-web.statefulset-web.create.validate.json", "utf8");
const uid = JSON.parse(fixture).request.uid as string;

/** A request on its own connection, so that nothing depends on a pooled socket. */
function call(url: string, method: string, body?: string) {
  return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>((resolve, reject) => {
    const req = request(url, { method, agent: false, headers: { "content-type": "application/json" } }, (res) => {
      let data = "";
      res.on("data", (chunk) => (data += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, body: data, headers: res.headers }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });

let server: Awaited<ReturnType<typeof spawnNodeServer>> | undefined;
afterEach(() => {
  server?.child.kill("SIGKILL");
  server = undefined;
});

describe("liveness and readiness", () => {
  it("keeps a server with a broken policy alive and unready, saying why", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stateward-ready-"));
    const policy = join(dir, "policy.yaml");
    writeFileSync(policy, "rules:\n  storage-clas: {action: warn}\n");
    server = await spawnNodeServer(["--host", "127.0.0.1", "--port", "0", "--policy", policy], {});
    const live = await call(`${server.url}/livez`, "GET");
    expect(live.status).toBe(200);
    expect(JSON.parse(live.body)).toEqual({ status: "alive" });
    const ready = await call(`${server.url}/readyz`, "GET");
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toMatchObject({
      status: "not ready",
      reason: expect.stringContaining("storage-clas (did you mean storage-class?)"),
      checks: { certificate: "none: serving plain HTTP", shutdown: "not requested" },
    });
    expect((await call(`${server.url}/healthz`, "GET")).status).toBe(503);
    expect((await call(`${server.url}/validate`, "POST", fixture)).status).toBe(500);
    expect(server.child.exitCode).toBeNull();
  }, 40_000);

  it("is ready over HTTPS with a loaded policy and a certificate that is valid today", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stateward-ready-tls-"));
    const [cert, key] = [join(dir, "tls.crt"), join(dir, "tls.key")];
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
      "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert,
    ], { stdio: "ignore" });
    server = await spawnNodeServer(["--host", "127.0.0.1", "--port", "0", "--tls-cert", cert, "--tls-key", key], {});
    const ready = await fetchTls(`${server.url}/readyz`, readFileSync(cert));
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({ status: "ready", checks: { policy: "loaded", certificate: expect.stringMatching(/^loaded, valid until /) } });

    const pair = { cert: readFileSync(cert), key: readFileSync(key) };
    expect(certificateCheck(pair, new Date(Date.now() + 3 * 86_400_000))).toMatchObject({ ready: false, detail: expect.stringMatching(/^expired at /) });
    expect(certificateCheck(pair, new Date(Date.now() - 86_400_000))).toMatchObject({ ready: false, detail: expect.stringMatching(/^not valid before /) });
    expect(certificateCheck({ cert: Buffer.from("not a certificate"), key: pair.key })).toMatchObject({ ready: false });
  }, 40_000);
});

describe("graceful shutdown on SIGTERM", () => {
  it("turns unready, answers reviews through the drain, finishes the one in flight, then exits 0", async () => {
    server = await spawnNodeServer(["--host", "127.0.0.1", "--port", "0", "--drain-seconds", "1"], {});
    const { child, url } = server;
    const output: string[] = [];
    child.stdout!.on("data", (chunk: Buffer) => output.push(chunk.toString()));

    // A review whose body is half sent when SIGTERM arrives, and whose second half comes after the drain ended.
    const inFlight = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${url}/validate`, {
        method: "POST",
        agent: false,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(fixture) },
      }, (res) => {
        let data = "";
        res.on("data", (chunk) => (data += chunk));
        res.on("end", () => resolve({ status: res.statusCode!, body: data }));
      });
      req.on("error", reject);
      const half = Math.floor(fixture.length / 2);
      req.write(fixture.slice(0, half));
      setTimeout(() => {
        child.kill("SIGTERM");
        setTimeout(() => req.end(fixture.slice(half)), 2_000);
      }, 300);
    });

    await expect.poll(async () => (await call(`${url}/readyz`, "GET")).status, { timeout: 900, interval: 50 }).toBe(503);
    const duringDrain = await call(`${url}/validate`, "POST", fixture);
    expect(duringDrain.status).toBe(200);
    expect(JSON.parse(duringDrain.body).response.uid).toBe(uid);
    expect((await call(`${url}/livez`, "GET")).status).toBe(200);

    const answered = await inFlight;
    expect(answered.status).toBe(200);
    expect(JSON.parse(answered.body).response.uid).toBe(uid);
    expect(await exited(child)).toBe(0);
    const log = output.join("");
    expect(log).toContain('"msg":"SIGTERM: not ready; answering reviews until the drain period ends"');
    expect(log.indexOf('"msg":"stateward stopped"')).toBeGreaterThan(log.lastIndexOf('"msg":"review"'));
    await expect(call(`${url}/livez`, "GET")).rejects.toThrow(/ECONNREFUSED/);
  }, 40_000);
});

describe("SIGHUP", () => {
  it("reloads what there is to reload and keeps serving, without a certificate too", async () => {
    server = await spawnNodeServer(["--host", "127.0.0.1", "--port", "0"], { STATEWARD_WATCH: "false" });
    const { child, url, output } = server;
    child.kill("SIGHUP");
    await expect.poll(output, { timeout: 10_000 }).toContain('"msg":"SIGHUP: nothing to reload (no certificate); still serving"');
    expect((await call(`${url}/readyz`, "GET")).status).toBe(200);
    expect((await call(`${url}/validate`, "POST", fixture)).status).toBe(200);
    expect(child.exitCode).toBeNull();
    expect(child.signalCode).toBeNull();
  }, 40_000);
});

function fetchTls(url: string, ca: Buffer) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpsRequest(url, { method: "GET", ca, agent: false }, (res) => {
      let data = "";
      res.on("data", (chunk) => (data += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, body: data }));
    });
    req.on("error", reject);
    req.end();
  });
}
