/** Runs a command to its end, as the pack and Action tests run what a user or a runner would. */
import { spawn } from "node:child_process";

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
