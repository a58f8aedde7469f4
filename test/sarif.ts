/**
 * Whether a SARIF log is one GitHub code scanning takes: valid against the SARIF 2.1.0 JSON schema (the OASIS
 * schema as @microsoft/jest-sarif ships it), and with what the upload needs beyond the schema: version 2.1.0, a
 * tool name, and result locations relative to the repository root (a relative URI with a uriBaseId) so each
 * finding lands on its file in a pull request.
 */
import { createRequire } from "node:module";
import Ajv from "ajv-draft-04";

const schema = createRequire(import.meta.url)("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json");
// The schema's own patterns are not valid with the `u` flag, and its formats (uri) are checked below where they matter.
const validate = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false, validateFormats: false }).compile(schema);

interface Location {
  physicalLocation?: { artifactLocation?: { uri?: string; uriBaseId?: string }; region?: { startLine?: number } };
}

/** Every reason code scanning would refuse the log or misplace a result; empty when it is fine. */
export function sarifProblems(log: unknown): string[] {
  const problems: string[] = [];
  if (!validate(log)) {
    for (const error of validate.errors ?? []) problems.push(`schema: ${error.instancePath || "/"} ${error.message}`);
  }
  const { version, runs } = log as { version?: unknown; runs?: { tool?: { driver?: { name?: unknown } }; results?: { locations?: Location[] }[] }[] };
  if (version !== "2.1.0") problems.push(`version is ${JSON.stringify(version)}, not "2.1.0"`);
  for (const [r, run] of (runs ?? []).entries()) {
    if (typeof run.tool?.driver?.name !== "string" || run.tool.driver.name === "") problems.push(`runs[${r}].tool.driver.name is missing`);
    for (const [i, result] of (run.results ?? []).entries()) {
      for (const [l, location] of (result.locations ?? []).entries()) {
        const where = `runs[${r}].results[${i}].locations[${l}].physicalLocation.artifactLocation`;
        const artifact = location.physicalLocation?.artifactLocation;
        if (!artifact?.uri) problems.push(`${where}.uri is missing`);
        else if (/^[a-z][a-z0-9+.-]*:/i.test(artifact.uri) || artifact.uri.startsWith("/")) problems.push(`${where}.uri ${artifact.uri} is not relative`);
        else if (!artifact.uriBaseId) problems.push(`${where} has a relative uri and no uriBaseId`);
      }
    }
  }
  return problems;
}
