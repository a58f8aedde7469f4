/**
 * The `stateward` command line: the webhook's validation and defaults on manifest files, before they reach a
 * cluster. `run` takes its input and output as parameters, so tests drive it in-process.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import packageJson from "../../package.json" with { type: "json" };
import { nodeUsage } from "../node/options.js";
import { runSync, syncUsage } from "../node/sync.js";
import type { Policy } from "../engine/types.js";
import { loadPolicy } from "../policy/policy.js";
import {
  type CheckArgs,
  checkUsage,
  type MutateArgs,
  mutateUsage,
  parseCheckArgs,
  parseMutateArgs,
  suggestion,
  UsageError,
} from "./args.js";
import { check, counts } from "./check.js";
import { type InputProblem, load } from "./load.js";
import { auditUsage, parseAuditArgs, runAudit } from "./audit.js";
import { mutateAll } from "./mutate.js";
import { parsePolicyArgs, policyUsage, runPolicy } from "./policy-lint.js";
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

/**
 * One subcommand: its name, a line for `stateward --help`, its own `--help` text, and what it does with the
 * arguments after its name. `run` throws UsageError for bad usage; everything else it reports itself.
 */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: readonly string[], io: Io): Promise<number>;
}

/**
 * The subcommands, in the order `stateward --help` lists them. A command whose code is heavy or has its own
 * dependencies loads it with a dynamic import inside `run`, so the others start without it.
 */
export const commands: readonly Command[] = [
  {
    name: "check",
    summary: "run the validating webhook's rules on manifests",
    usage: checkUsage,
    run: (argv, io) => runCheck(parseCheckArgs(argv), io),
  },
  {
    name: "mutate",
    summary: "print manifests as the mutating webhook leaves them",
    usage: mutateUsage,
    run: (argv, io) => runMutate(parseMutateArgs(argv), io),
  },
  {
    name: "policy",
    summary: "check policy documents before a webhook loads them (policy lint FILE...)",
    usage: policyUsage,
    run: (argv, io) => runPolicy(parsePolicyArgs(argv), io),
  },
  {
    name: "audit",
    summary: "report what every rule says about a cluster's objects, as PolicyReports or JSON",
    usage: auditUsage,
    run: async (argv, io) => {
      const args = parseAuditArgs(argv);
      const policy = await readPolicy(args.policy, io);
      return policy ? runAudit(args, policy, io) : exitCodes.badInput;
    },
  },
  {
    name: "sync",
    summary: "send the cluster's objects to a Stateward service's cluster view (in a pod)",
    usage: syncUsage,
    run: (argv, io) => runSync(argv, io),
  },
  {
    name: "serve",
    summary: "serve the admission webhook over HTTP(S) on Node.js",
    usage: nodeUsage,
    run: async (argv, io) => (await import("../node/main.js")).runServer(argv, io.env),
  },
];

export const version: string = packageJson.version;

export function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}   ${c.summary}`);
  return `Usage: stateward <command> [options]

Commands:
${lines.join("\n")}

Run 'stateward <command> --help' for a command's options; 'stateward --version' prints the version.
`;
}

/** Whether the arguments ask for help (flags after a "--" are positionals, not requests). */
function asksForHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end === -1 ? argv : argv.slice(0, end)).some((a) => a === "--help" || a === "-h");
}

/** Runs one command line and returns the exit code; never throws for bad usage or bad input. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    const topic = name === "help" ? commands.find((c) => c.name === rest[0]) : undefined;
    io.stdout(topic?.usage ?? usage());
    return exitCodes.clean;
  }
  if (name === "version" || name === "--version" || name === "-v") {
    io.stdout(`stateward ${version}\n`);
    return exitCodes.clean;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    const known = commands.map((c) => c.name);
    io.stderr(`stateward: unknown command ${JSON.stringify(name)}${suggestion(name, known)}\nRun 'stateward --help' for usage.\n`);
    return exitCodes.badInput;
  }
  if (asksForHelp(rest)) {
    io.stdout(command.usage);
    return exitCodes.clean;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`stateward ${command.name}: ${error.message}\nRun 'stateward ${command.name} --help' for usage.\n`);
    return exitCodes.badInput;
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

/** The nearest directory at or above `dir` that holds `.git` (a directory, or a file in a worktree), else `dir`. */
function repositoryRoot(dir: string): string {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    if (existsSync(path.join(at, ".git"))) return at;
    if (path.dirname(at) === at) return path.resolve(dir);
  }
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
    io.stdout(args.output === "json" ? formatJson(report) : formatSarif(report, { version, cwd: io.cwd, root: repositoryRoot(io.cwd) }));
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
  const report = await mutateAll(loaded, { policy, namespace: args.namespace });
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
