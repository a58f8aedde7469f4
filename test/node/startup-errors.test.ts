/**
 * Every start-up failure of `stateward serve` and `stateward sync`, run as users run them (`node bin/stateward.js`):
 * one line saying what failed and why (the file, the address and the system's error code, the missing CRD), exit 1,
 * and no stack trace.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getRequestListener } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, listenLocally } from "../../scripts/servers.js";
import { memoryClusterStore } from "../../src/cluster/memory-store.js";
import { clusterViewOf } from "../../src/cluster/store.js";
import { createApp } from "../../src/http/app.js";
import { loadPolicy } from "../../src/policy/policy.js";
import { runProcess } from "../pack/process.js";

const dir = mkdtempSync(join(tmpdir(), "stateward-startup-"));
const path = (name: string) => join(dir, name);
const env = { ...process.env, STATEWARD_WATCH: "false", WEBHOOK_TOKEN: "startup-token" };

function pair(name: string) {
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", `/CN=${name}`, "-keyout", path(`${name}.key`), "-out", path(`${name}.crt`)], {
    stdio: "ignore",
  });
}

/** Runs the command and returns its one line of standard error; fails when it wrote more, or did not fail. */
async function oneLine(args: string[]): Promise<string> {
  const result = await runProcess(process.execPath, ["bin/stateward.js", ...args], { cwd: process.cwd(), env });
  expect(result.code, result.stderr).toBe(1);
  expect(result.stdout).toBe("");
  expect(result.stderr).not.toMatch(/^\s+at /m);
  const lines = result.stderr.split("\n").filter(Boolean);
  expect(lines, result.stderr).toHaveLength(1);
  return lines[0]!;
}

describe("stateward serve", () => {
  beforeAll(() => {
    pair("a");
    pair("b");
    writeFileSync(path("junk.crt"), "not a certificate\n");
  });

  it("names a missing certificate file and the system's error", async () => {
    expect(await oneLine(["serve", "--tls-cert", path("missing.crt"), "--tls-key", path("a.key")])).toBe(
      `stateward serve: cannot read the certificate or key (--tls-cert ${path("missing.crt")}, --tls-key ${path("a.key")}): ENOENT: no such file or directory, open '${path("missing.crt")}'`,
    );
  }, 30_000);

  it("says a certificate and a key do not go together, or that a file is no certificate", async () => {
    expect(await oneLine(["serve", "--tls-cert", path("a.crt"), "--tls-key", path("b.key")])).toBe(
      `stateward serve: --tls-cert ${path("a.crt")} and --tls-key ${path("b.key")} cannot serve TLS: key values mismatch (ERR_OSSL_X509_KEY_VALUES_MISMATCH)`,
    );
    expect(await oneLine(["serve", "--tls-cert", path("junk.crt"), "--tls-key", path("a.key")])).toMatch(
      /^stateward serve: --tls-cert \S+junk\.crt and --tls-key \S+a\.key cannot serve TLS: no start line \(ERR_OSSL_PEM_NO_START_LINE\)$/,
    );
  }, 30_000);

  it("names the address it cannot listen on and why, and a policy it cannot read", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const { port } = taken.address() as { port: number };
    try {
      expect(await oneLine(["serve", "--host", "127.0.0.1", "--port", String(port)])).toBe(
        `stateward serve: cannot listen on 127.0.0.1:${port}: listen EADDRINUSE: address already in use 127.0.0.1:${port}`,
      );
    } finally {
      taken.close();
    }
    expect(await oneLine(["serve", "--policy", path("no-policy.yaml")])).toBe(
      `stateward serve: cannot read policy ${path("no-policy.yaml")}: ENOENT: no such file or directory, open '${path("no-policy.yaml")}'`,
    );
  }, 30_000);
});

describe("stateward sync", () => {
  // An API server that lists nothing, and has no PolicyReport CRD (every policyreports path is 404, as on a cluster
  // without it); and a service that takes the sync.
  const api = createHttpServer((req, res) => {
    if (req.url?.includes("policyreports")) {
      res.writeHead(404, { "content-type": "application/json" });
      return res.end(JSON.stringify({ kind: "Status", code: 404, reason: "NotFound", message: "the server could not find the requested resource" }));
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ kind: "List", metadata: {}, items: [] }));
  });
  let apiUrl: string;
  let closeApi: () => Promise<void>;
  beforeAll(async () => {
    writeFileSync(path("token"), "service-account-token");
    writeFileSync(path("webhook-token"), "startup-token");
    ({ url: apiUrl, close: closeApi } = await listenLocally(api));
  });
  afterAll(() => closeApi());

  const sync = (url: string, apiServer: string, extra: string[] = []) =>
    runProcess(process.execPath, ["bin/stateward.js", "sync", "--url", url, "--api-server", apiServer, "--service-account", dir, "--token-file", path("webhook-token"), ...extra], {
      cwd: process.cwd(),
      env,
    });
  const failure = (stdout: string) => JSON.parse(stdout.trim().split("\n").at(-1)!) as { level: string; msg: string; error: string };

  it("names an unreachable API server's address and the system error", async () => {
    const port = await freePort();
    const service = await listenLocally(createHttpServer((_, res) => res.writeHead(201, { "content-type": "application/json" }).end('{"session":"s","kinds":[]}')));
    try {
      const result = await sync(service.url, `http://127.0.0.1:${port}`);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe("");
      expect(failure(result.stdout)).toEqual({
        time: expect.any(String),
        level: "error",
        msg: "sync failed",
        error: `cannot reach the Kubernetes API at http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`,
      } as never);
    } finally {
      await service.close();
    }
  }, 30_000);

  it("names the PolicyReport CRD when the cluster has none", async () => {
    const store = memoryClusterStore();
    const app = createApp({ config: () => ({ token: "startup-token", policy: loadPolicy(undefined), cluster: clusterViewOf(store), store }), log: () => {} });
    const service = await listenLocally(createHttpServer(getRequestListener(app.fetch)));
    try {
      const result = await sync(service.url, apiUrl, ["--policy-reports"]);
      expect(result.code).toBe(1);
      expect(failure(result.stdout)).toMatchObject({
        level: "error",
        msg: "sync: policy reports not written",
        error: expect.stringMatching(/^the PolicyReport CRD \(policyreports\.wgpolicyk8s\.io\) is not installed in the cluster; Kyverno or Policy Reporter install it \(GET \/apis\/wgpolicyk8s\.io\/v1alpha2\/policyreports\?\S+: 404: /),
      });
    } finally {
      await service.close();
    }
  }, 30_000);

  it("names the Stateward service it cannot reach", async () => {
    const port = await freePort();
    const result = await sync(`http://127.0.0.1:${port}`, apiUrl);
    expect(result.code).toBe(1);
    expect(failure(result.stdout)).toMatchObject({
      msg: "sync failed",
      error: `POST /inventory/sync: cannot reach the Stateward service at http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`,
    });
  }, 60_000);
});
