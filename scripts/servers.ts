/**
 * Starting and stopping local servers, on 127.0.0.1 only: Stateward's Node server and `wrangler dev` (each in its own
 * process group, so stopping it also stops what it spawned: wrangler spawns workerd), and in-process HTTP servers such
 * as a fake API server. Shared by the tests, the benchmark (bench/) and the documents' outputs (gen-doc-outputs.ts).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { openSync } from "node:fs";
import type { Server, ServerResponse } from "node:http";
import { createServer } from "node:net";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");

export interface RunningServer {
  name: string;
  url: string;
  /** The process whose memory is measured (the Node server itself; for wrangler, its CLI process). */
  pid: number;
  stop(): Promise<void>;
}

/**
 * Listens with a local HTTP server (a fake API server, say) on 127.0.0.1 and a free port. `close` ends the responses in
 * `held` first (watches left open), then drops the open connections, so it never waits for a client to hang up.
 */
export async function listenLocally(server: Server, held: Iterable<ServerResponse> = []): Promise<{ url: string; close(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.end();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function waitReady(url: string, child: ChildProcess, stderr: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${stderr()}`);
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) });
      await response.text();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server at ${url} was not ready within ${timeoutMs} ms: ${stderr()}`);
}

/**
 * Starts `command` in its own process group and waits for /healthz on `port`; `env` adds to the environment. Its
 * stdout goes to `stdout` when given (a bench that counts log lines), to /dev/null otherwise.
 */
export async function start(
  name: string,
  command: string,
  args: string[],
  port: number,
  timeoutMs: number,
  env: Record<string, string> = {},
  stdout?: (chunk: Buffer) => void,
): Promise<RunningServer> {
  // Request logs go to /dev/null: a pipe nobody drains would stall the server, and draining it costs the client CPU.
  const child = spawn(command, args, {
    cwd: root,
    detached: true,
    stdio: ["ignore", stdout ? "pipe" : openSync("/dev/null", "w"), "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1", ...env },
  });
  if (stdout) child.stdout!.on("data", stdout);
  let errors = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-4_000);
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    }, 5_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitReady(url, child, () => errors, timeoutMs);
  } catch (error) {
    await stop();
    throw error;
  }
  return { name, url, pid: child.pid!, stop };
}

/** Stateward's Node server, `stateward serve` from the compiled dist/ (`npm run bench` and the tests' global setup build it), with the built-in policy. */
export async function startNodeServer(env: Record<string, string> = {}, name = "Stateward on Node"): Promise<RunningServer> {
  const port = await freePort();
  const args = ["bin/stateward.js", "serve", "--host", "127.0.0.1", "--port", String(port)];
  return start(name, process.execPath, args, port, 30_000, env);
}

export function wranglerArgs(port: number, inspectorPort: number, config?: string): string[] {
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort)];
  if (config) args.push("--config", config);
  return [...args, "--show-interactive-dev-session=false", "--log-level", "error"];
}

/** The Worker in workerd behind `wrangler dev`, with wrangler.toml as deployed. */
export async function startWranglerDev(vars: Record<string, string> = {}, name = "Stateward on wrangler dev"): Promise<RunningServer> {
  const port = await freePort();
  const bin = join(root, "node_modules", ".bin", "wrangler");
  const args = [...wranglerArgs(port, await freePort()), ...Object.entries(vars).flatMap(([key, value]) => ["--var", `${key}:${value}`])];
  return start(name, bin, args, port, 60_000);
}
