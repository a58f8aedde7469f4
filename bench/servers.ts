/**
 * The benchmark's own servers: the minimal Hono app it compares Stateward against, on Node and on wrangler dev, and
 * the memory of a server's process. Starting and stopping servers is scripts/servers.ts's.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, type RunningServer, start, wranglerArgs } from "../scripts/servers.js";

const root = join(import.meta.dirname, "..");

export async function startBareNode(): Promise<RunningServer> {
  const port = await freePort();
  return start("bare Hono on Node", process.execPath, ["--import", "tsx", "bench/bare-node.ts", String(port)], port, 30_000);
}

export async function startBareWrangler(): Promise<RunningServer> {
  const port = await freePort();
  const bin = join(root, "node_modules", ".bin", "wrangler");
  return start("bare Hono on wrangler dev", bin, wranglerArgs(port, await freePort(), "bench/bare.wrangler.toml"), port, 60_000);
}

export interface MemorySample {
  rssKiB: number;
  /** The kernel's high-water mark of the resident set since the process started. */
  hwmKiB: number;
}

/** Resident memory of a process from /proc (Linux). */
export function memoryOf(pid: number): MemorySample {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rssKiB: field("VmRSS"), hwmKiB: field("VmHWM") };
}
