/**
 * The `stateward` command line: the webhook's validation and defaults on manifest files, before they reach a
 * cluster. `run` takes its input and output as parameters, so tests drive it in-process.
 */
import * as z from "zod";
import packageJson from "../../package.json" with { type: "json" };
import { UsageError } from "../command/flags.js";
import { didYouMean } from "../k8s/names.js";
import { exitCodes, type Io, processIo } from "./io.js";

export { exitCodes, type Io } from "./io.js";

/** What a command does with the arguments after its name: throws UsageError for bad usage, reports the rest itself. */
export interface CommandCode {
  /** Its `--help` text. */
  usage: string;
  run(argv: readonly string[], io: Io): Promise<number>;
}

/** One subcommand: its name and its line in `stateward --help`; its code is imported only when it is used. */
export interface Command {
  name: string;
  summary: string;
  load(): Promise<CommandCode>;
}

/**
 * The subcommands, in the order `stateward --help` lists them. Each imports its code when it runs, so a command
 * parses only its own modules (`check` never reads the server's, the audit's or the sync's): start-up time is most of
 * a one-file `stateward check`.
 */
export const commands: readonly Command[] = [
  {
    name: "check",
    summary: "run the validating webhook's rules on manifests",
    load: async () => {
      const [{ checkUsage }, { runCheck }] = await Promise.all([import("./args.js"), import("./check.js")]);
      return { usage: checkUsage, run: runCheck };
    },
  },
  {
    name: "mutate",
    summary: "print manifests as the mutating webhook leaves them",
    load: async () => {
      const [{ mutateUsage }, { runMutate }] = await Promise.all([import("./args.js"), import("./mutate.js")]);
      return { usage: mutateUsage, run: runMutate };
    },
  },
  {
    name: "plan",
    summary: "print what applying manifests will make the StatefulSet controller do, against the live objects",
    load: async () => {
      const { planUsage, runPlan } = await import("./plan.js");
      return { usage: planUsage, run: runPlan };
    },
  },
  {
    name: "policy",
    summary: "check policy documents before a webhook loads them (policy lint FILE...)",
    load: async () => {
      const { parsePolicyArgs, policyUsage, runPolicy } = await import("./policy-lint.js");
      return { usage: policyUsage, run: (argv, io) => runPolicy(parsePolicyArgs(argv), io) };
    },
  },
  {
    name: "rules",
    summary: "list every rule with its default action, one line each",
    load: async () => {
      const { rulesUsage, runRules } = await import("./rules.js");
      return { usage: rulesUsage, run: runRules };
    },
  },
  {
    name: "explain",
    summary: "print what a rule checks, why, how to fix a finding and its parameters (explain RULE-ID)",
    load: async () => {
      const { explainUsage, runExplain } = await import("./rules.js");
      return { usage: explainUsage, run: runExplain };
    },
  },
  {
    name: "export",
    summary: "write the lookup-free rules as ValidatingAdmissionPolicies for the API server (export vap)",
    load: async () => {
      const { exportUsage, runExport } = await import("./export.js");
      return { usage: exportUsage, run: runExport };
    },
  },
  {
    name: "audit",
    summary: "report what every rule says about a cluster's objects, as PolicyReports or JSON",
    load: async () => {
      const [{ auditUsage, parseAuditArgs, runAudit }, { readPolicy }] = await Promise.all([import("./audit.js"), import("./policy-file.js")]);
      return {
        usage: auditUsage,
        run: async (argv, io) => {
          const args = parseAuditArgs(argv);
          const policy = await readPolicy(args.policy, io);
          return policy ? runAudit(args, policy, io) : exitCodes.badInput;
        },
      };
    },
  },
  {
    name: "sync",
    summary: "send the cluster's objects to a Stateward service's cluster view (in a pod)",
    load: async () => {
      const { runSync, syncUsage } = await import("../node/sync.js");
      return { usage: syncUsage, run: runSync };
    },
  },
  {
    name: "serve",
    summary: "serve the admission webhook over HTTP(S) on Node.js",
    load: async () => {
      const [{ nodeUsage }, { runServer }] = await Promise.all([import("../node/options.js"), import("../node/main.js")]);
      return { usage: nodeUsage, run: (argv, io) => runServer(argv, io.env) };
    },
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
    io.stdout(topic ? (await topic.load()).usage : usage());
    return exitCodes.clean;
  }
  if (name === "version" || name === "--version" || name === "-v") {
    io.stdout(`stateward ${version}\n`);
    return exitCodes.clean;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    const known = commands.map((c) => c.name);
    io.stderr(`stateward: unknown command ${JSON.stringify(name)}${didYouMean(name, known)}\nRun 'stateward --help' for usage.\n`);
    return exitCodes.badInput;
  }
  const code = await command.load();
  if (asksForHelp(rest)) {
    io.stdout(code.usage);
    return exitCodes.clean;
  }
  try {
    return await code.run(rest, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`stateward ${command.name}: ${error.message}\nRun 'stateward ${command.name} --help' for usage.\n`);
    return exitCodes.badInput;
  }
}

/** The process's command line: `bin/stateward.js`. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  // zod compiles a fast parser for each object schema the first time it parses with it, which pays off over a
  // server's millions of reviews but costs more than it saves in one run of a few hundred objects or fewer.
  if (argv[0] !== "serve") z.config({ jitless: true });
  return run(argv, processIo());
}
