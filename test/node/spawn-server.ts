import { type ChildProcess, spawn } from "node:child_process";

/**
 * Starts the Node server as users do, `stateward serve` from the compiled package (the suite's global setup builds
 * dist/), and resolves with its URL once it logs "listening on";
 * rejects when it exits first or takes more than 20 s (and then kills it).
 */
export function spawnNodeServer(
  args: string[],
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string; /** Everything it wrote so far, start-up lines included. */ output(): string }> {
  const child = spawn(process.execPath, ["bin/stateward.js", "serve", ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error("server did not start within 20 s"));
    }, 20_000);
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (https?:\/\/[^"\s]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]!, output: () => output });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${output}`));
    });
  });
}
