import { type ChildProcess, execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { connect } from "node:tls";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnNodeServer } from "./spawn-server.js";

const fixture = readFileSync("test/fixtures/admission/000-web.statefulset-web.create.validate.json", "utf8");

function httpsCall(url: string, ca: Buffer, method: string, body?: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(url, { method, ca, headers: { "content-type": "application/json", ...headers } }, (res) => {
      let data = "";
      res.on("data", (chunk) => (data += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, body: data }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("Node server over HTTPS", () => {
  const dir = mkdtempSync(join(tmpdir(), "stateward-tls-"));
  const cert = join(dir, "tls.crt");
  const key = join(dir, "tls.key");
  let server: { child: ChildProcess; url: string };

  beforeAll(async () => {
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
      "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", cert,
    ], { stdio: "ignore" });
    server = await spawnNodeServer(["--host", "127.0.0.1", "--port", "0", "--tls-cert", cert, "--tls-key", key], {
      WEBHOOK_TOKEN: "node-token",
    });
  }, 30_000);

  afterAll(() => {
    server?.child.kill();
  });

  it("serves /healthz over HTTPS with the given certificate", async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const { status, body } = await httpsCall(`${server.url}/healthz`, readFileSync(cert), "GET");
    expect(status).toBe(200);
    expect(JSON.parse(body)).toMatchObject({ status: "ok", authentication: "token" });
  });

  it("answers an AdmissionReview when the bearer token is presented, 401 otherwise", async () => {
    const ca = readFileSync(cert);
    const denied = await httpsCall(`${server.url}/validate`, ca, "POST", fixture);
    expect(denied.status).toBe(401);
    const ok = await httpsCall(`${server.url}/validate`, ca, "POST", fixture, { authorization: "Bearer node-token" });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).response.uid).toBe(JSON.parse(fixture).request.uid);
  });

  it("refuses a body over 3 MiB with 413, from Content-Length or, when streamed in chunks, while reading it", async () => {
    const ca = readFileSync(cert);
    const auth = { authorization: "Bearer node-token" };
    const big = `{"pad":"${"x".repeat(3 * 1024 * 1024)}"}`;
    const declared = await httpsCall(`${server.url}/validate`, ca, "POST", big, auth);
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toMatchObject({ status: 413 });
    const chunked = await httpsCall(`${server.url}/validate`, ca, "POST", big, { ...auth, "transfer-encoding": "chunked" });
    expect(chunked.status).toBe(413);
    const small = await httpsCall(`${server.url}/validate`, ca, "POST", fixture, { ...auth, "transfer-encoding": "chunked" });
    expect(small.status).toBe(200);
  });

  it("logs one JSON line per review on stdout", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const collect = (chunk: Buffer) => {
      for (const text of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(text));
    };
    server.child.stdout!.on("data", collect);
    const ok = await httpsCall(`${server.url}/validate`, readFileSync(cert), "POST", fixture, { authorization: "Bearer node-token" });
    expect(ok.status).toBe(200);
    await expect.poll(() => lines.find((l) => l.msg === "review"), { timeout: 5_000 }).toMatchObject({
      webhook: "validate",
      uid: JSON.parse(fixture).request.uid,
      decision: "allowed",
    });
    server.child.stdout!.off("data", collect);
  });
});

describe("Node server certificate renewal", () => {
  const dir = mkdtempSync(join(tmpdir(), "stateward-renew-"));
  const cert = join(dir, "tls.crt");
  const key = join(dir, "tls.key");
  const makeCert = (cn: string, certOut: string, keyOut: string) =>
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", `/CN=${cn}`,
      "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", keyOut, "-out", certOut,
    ], { stdio: "ignore" });
  const servedSubject = (url: string) =>
    new Promise<string>((resolve, reject) => {
      const { hostname, port } = new URL(url);
      const socket = connect({ host: hostname, port: Number(port), rejectUnauthorized: false }, () => {
        resolve(socket.getPeerCertificate().subject.CN as string);
        socket.end();
      });
      socket.on("error", reject);
    });
  let server: { child: ChildProcess; url: string };

  beforeAll(async () => {
    makeCert("first", cert, key);
    server = await spawnNodeServer(["--host", "127.0.0.1", "--port", "0", "--tls-cert", cert, "--tls-key", key], {});
  }, 30_000);

  afterAll(() => {
    server?.child.kill();
  });

  it("serves a renewed certificate without a restart, the way cert-manager renews the mounted Secret", async () => {
    expect(await servedSubject(server.url)).toBe("first");
    makeCert("renewed", join(dir, "new.crt"), join(dir, "new.key"));
    copyFileSync(join(dir, "new.crt"), cert);
    copyFileSync(join(dir, "new.key"), key);
    // The server also checks every minute; SIGHUP asks now.
    server.child.kill("SIGHUP");
    await expect.poll(() => servedSubject(server.url), { timeout: 10_000 }).toBe("renewed");
    const ok = await httpsCall(`${server.url}/healthz`, readFileSync(cert), "GET");
    expect(ok.status).toBe(200);
  });

  it("keeps serving the current certificate when the files do not form a pair", async () => {
    makeCert("other", join(dir, "other.crt"), join(dir, "other.key"));
    copyFileSync(join(dir, "other.crt"), cert);
    server.child.kill("SIGHUP");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await servedSubject(server.url)).toBe("renewed");
  });
});

describe("Node server options", () => {
  it("exits with usage on a bad flag", () => {
    let failure: { status?: number; stderr?: Buffer } = {};
    try {
      execFileSync(process.execPath, ["bin/stateward.js", "serve", "--port", "not-a-port"], { stdio: "pipe" });
    } catch (error) {
      failure = error as typeof failure;
    }
    expect(failure.status).toBe(2);
    expect(String(failure.stderr)).toContain("stateward serve: --port takes a port number from 0 to 65535");
    expect(String(failure.stderr)).toContain("Run 'stateward serve --help' for usage.");
  });
});
