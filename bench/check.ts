/**
 * `stateward check` over many files: objects per second net of start-up. 1,000 files made from the seeds (each
 * file in its own namespace, so every file is a separate application as in a repository of many), checked by the
 * packed command as a fresh process; each run follows a run over one small file, whose time is the start-up (and
 * the machine's load of the moment) that the rate is net of.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatMs, percentile, table } from "./stats.js";

const root = join(import.meta.dirname, "..");
const bin = join(root, "bin", "stateward.js");
const seedDir = join(root, "test", "fixtures", "seeds");
const smallFile = join(seedDir, "000-web.yaml");
export const checkFiles = 1_000;
export const checkTarget = 5_000;

/** `count` manifest files cycling through the seeds, each document moved into the file's own namespace. */
export function writeManyFiles(dir: string, count: number): void {
  const seeds = readdirSync(seedDir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => readFileSync(join(seedDir, f), "utf8"));
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const text = seeds[i % seeds.length]!.replace(/^metadata:\n/gm, `metadata:\n  namespace: app-${i}\n`);
    writeFileSync(join(dir, `app-${String(i).padStart(4, "0")}.yaml`), text);
  }
}

/** Runs `stateward check` on `target` with its default (text) output; resolves to its wall time and object count. */
function timeCheck(target: string): Promise<{ ms: number; objects: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [bin, "check", target], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.on("error", reject);
    child.on("exit", (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // Exit 1 only says a rule denied something; 2 is bad input, which the generated files must not be.
      if (code !== 0 && code !== 1) return reject(new Error(`stateward check ${target} exited with ${code}`));
      const summary = /(\d+) objects? checked/.exec(Buffer.concat(chunks).toString("utf8"));
      if (!summary) return reject(new Error(`stateward check ${target} printed no summary line`));
      resolve({ ms, objects: Number(summary[1]) });
    });
  });
}

export interface CheckThroughput {
  files: number;
  objects: number;
  runs: number;
  medianMs: number;
  startupMedianMs: number;
  /** Objects over the median time net of the median start-up. */
  objectsPerSecond: number;
}

export async function measureCheckThroughput(runs: number): Promise<CheckThroughput> {
  const dir = mkdtempSync(join(tmpdir(), "stateward-bench-check-"));
  try {
    writeManyFiles(dir, checkFiles);
    const many: number[] = [];
    const one: number[] = [];
    let objects = 0;
    // One unmeasured round: the file system cache is warm for a user's second run too.
    await timeCheck(smallFile);
    await timeCheck(dir);
    for (let i = 0; i < runs; i++) {
      one.push((await timeCheck(smallFile)).ms);
      const run = await timeCheck(dir);
      many.push(run.ms);
      objects = run.objects;
    }
    const medianMs = percentile(many, 50);
    const startupMedianMs = percentile(one, 50);
    return { files: checkFiles, objects, runs, medianMs, startupMedianMs, objectsPerSecond: objects / ((medianMs - startupMedianMs) / 1000) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function checkThroughputTable(r: CheckThroughput): string {
  return table(
    ["files", "objects", "runs", "median", "one small file (start-up)", "objects/s net of start-up", "target", "met"],
    [[
      String(r.files),
      String(r.objects),
      String(r.runs),
      formatMs(r.medianMs),
      formatMs(r.startupMedianMs),
      r.objectsPerSecond.toFixed(0),
      `>= ${checkTarget}`,
      r.objectsPerSecond >= checkTarget ? "yes" : "NO",
    ]],
  );
}
