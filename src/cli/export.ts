/** `stateward export vap`: the lookup-free rules as ValidatingAdmissionPolicies, for the API server to enforce itself. */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import { parseFlags, UsageError } from "../command/flags.js";
import { exportVap, renderVapExport } from "../export/vap.js";
import { exitCodes, type Io } from "./io.js";
import { policyErrorLine, readPolicyFile } from "./policy-file.js";

export const exportUsage = `Usage: stateward export vap [--policy FILE]

Writes, on standard output, a ValidatingAdmissionPolicy and its ValidatingAdmissionPolicyBinding
(admissionregistration.k8s.io/v1, Kubernetes 1.30 or later) for every rule that reads only the object under review,
with the policy's actions, parameters, namespace overrides and exemptions. The API server then enforces those rules
itself, with no webhook call. The header lists the rules that are not exported and why (they look up other objects,
or the API server refuses what they find itself); each policy's comment says what the webhook still does.

  --policy FILE   the policy document (default: the built-in defaults)

Exit codes: 0 written, 2 bad usage or an invalid policy.
`;

export async function runExport(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, { policy: { type: "string" } });
  const [what, ...extra] = positionals;
  if (what !== "vap") throw new UsageError(what === undefined ? "name what to export: vap" : `cannot export ${JSON.stringify(what)}; only vap`);
  if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  // Read and checked as every command reads a policy, so its problems come with their lines.
  const read = await readPolicyFile(values.policy, io);
  if (!read.ok) {
    for (const problem of read.problems) io.stderr(policyErrorLine(problem));
    return exitCodes.badInput;
  }
  const text = values.policy === undefined ? undefined : await readFile(path.resolve(io.cwd, values.policy), "utf8");
  io.stdout(renderVapExport(exportVap(text === undefined ? undefined : parse(text))));
  return exitCodes.clean;
}
