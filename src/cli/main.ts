/**
 * The `stateward` command line: the webhook's validation and defaults on manifest files, before they reach a
 * cluster. `run` takes its input and output as parameters, so tests drive it in-process.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { loadPolicy, type Policy } from "../policy/policy.js";
import { type Args, type CheckArgs, type MutateArgs, parseCommandLine, UsageError, usage } from "./args.js";
import { check, counts } from "./check.js";
import { type InputProblem, load } from "./load.js";
import { mutateAll } from "./mutate.js";
import { formatJson } from "./output/json.js";
import { formatSarif } from "./output/sarif.js";
import { formatText } from "./output/text.js";

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  readStdin(): Promise<string>;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Whether standard output is a terminal: only then is text coloured. */
  isTTY: boolean;
}

export const exitCodes = { clean: 0, denied: 1, badInput: 2 } as const;

async function version(): Promise<string> {
  try {
    const text = await readFile(new URL("../../package.json", import.meta.url), "utf8");
    return String((JSON.parse(text) as { version?: unknown }).version ?? "0.0.0");
  } catch {
    return "0.0.0";
  }
}

/** Runs one command line and returns the exit code; never throws for bad usage or bad input. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  let args: Args;
  try {
    args = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`stateward: ${error.message}\nRun 'stateward --help' for usage.\n`);
    return exitCodes.badInput;
  }
  switch (args.command) {
    case "help":
      io.stdout(usage);
      return exitCodes.clean;
    case "version":
      io.stdout(`stateward ${await version()}\n`);
      return exitCodes.clean;
    case "check":
      return runCheck(args, io);
    case "mutate":
      return runMutate(args, io);
  }
}

async function readPolicy(file: string | undefined, io: Io): Promise<Policy | undefined> {
  let text: string | undefined;
  if (file !== undefined) {
    try {
      text = await readFile(path.resolve(io.cwd, file), "utf8");
    } catch (error) {
      io.stderr(`stateward: cannot read policy ${file}: ${(error as Error).message}\n`);
      return undefined;
    }
  }
  const state = loadPolicy(text);
  if (!state.ok) {
    io.stderr(`stateward: ${file}: ${state.error}\n`);
    return undefined;
  }
  return state.policy;
}

function where(problem: InputProblem): string {
  return problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
}

async function runCheck(args: CheckArgs, io: Io): Promise<number> {
  const policy = await readPolicy(args.policy, io);
  if (!policy) return exitCodes.badInput;
  const loaded = await load(args.paths, { cwd: io.cwd, readStdin: io.readStdin });
  const report = await check(loaded, { policy, clusterView: args.clusterView, namespace: args.namespace });
  if (args.output === "text") {
    io.stdout(formatText(report, { color: io.isTTY && io.env.NO_COLOR === undefined }));
  } else {
    io.stdout(args.output === "json" ? formatJson(report) : formatSarif(report, await version()));
    // Machine output goes to a file in CI; the log still says why the run failed.
    for (const error of report.errors) io.stderr(`${where(error)}: error: ${error.message}\n`);
  }
  const c = counts(report);
  if (c.errors > 0) return exitCodes.badInput;
  if (c.denials > 0 || (args.warningsAsErrors && c.warnings > 0)) return exitCodes.denied;
  return exitCodes.clean;
}

async function runMutate(args: MutateArgs, io: Io): Promise<number> {
  const policy = await readPolicy(args.policy, io);
  if (!policy) return exitCodes.badInput;
  const loaded = await load(args.paths, { cwd: io.cwd, readStdin: io.readStdin });
  const report = mutateAll(loaded, { policy, namespace: args.namespace });
  if (args.patch) {
    io.stdout(`${JSON.stringify(report.patches, null, 2)}\n`);
  } else {
    io.stdout(report.yaml);
    // What changed goes to standard error, so standard output stays the manifests alone.
    for (const object of report.patches) {
      for (const change of object.changes) io.stderr(`${object.file}:${object.line}: ${object.kind} ${object.namespace}/${object.name}: ${change}\n`);
    }
  }
  for (const note of report.notes) io.stderr(`${where(note)}: note: ${note.message}\n`);
  for (const error of report.errors) io.stderr(`${where(error)}: error: ${error.message}\n`);
  return report.errors.length > 0 ? exitCodes.badInput : exitCodes.clean;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/** The real process's streams and environment. */
export function processIo(): Io {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    readStdin: () => readAll(process.stdin),
    cwd: process.cwd(),
    env: process.env,
    isTTY: process.stdout.isTTY === true,
  };
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  return run(argv, processIo());
}
