/**
 * What each command parses when it starts, read from the build's own module graph (esbuild's metafile, built in
 * memory with dist/'s options): start-up time is most of a one-file `stateward check` (docs/performance.md), and it
 * grows with every module the command loads whether it runs it or not.
 */
import * as esbuild from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain JavaScript build script, without type declarations
import { buildOptions } from "../../scripts/build.mjs";

let outputs: esbuild.Metafile["outputs"] = {};

beforeAll(async () => {
  const { metafile } = await esbuild.build({ ...buildOptions, write: false, sourcemap: false, metafile: true });
  outputs = metafile!.outputs;
}, 120_000);

/** The output files a command's start loads: dist/cli.js, then its code's chunk and their static imports. */
function loadedBy(command: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const i of outputs[file]!.imports) if (i.kind === "import-statement" && !i.external) visit(i.path);
  };
  visit("dist/cli.js");
  for (const [file, output] of Object.entries(outputs)) if (output.entryPoint === `src/cli/${command}.ts`) visit(file);
  return [...seen];
}

function inputsOf(files: string[]): string[] {
  return files.flatMap((file) => Object.keys(outputs[file]!.inputs));
}

describe("the bundle", () => {
  it("has each command's code in chunks of its own", () => {
    const entries = Object.values(outputs).map((o) => o.entryPoint);
    for (const command of ["check", "mutate", "policy-lint", "audit"]) expect(entries).toContain(`src/cli/${command}.ts`);
    expect(entries).toContain("src/node/main.ts");
    expect(entries).toContain("src/node/sync.ts");
  });

  it("loads neither the server, the sync nor the audit for `stateward check`", () => {
    const inputs = inputsOf(loadedBy("check"));
    expect(inputs).toContain("src/cli/check.ts");
    expect(inputs).toContain("src/rules/index.ts");
    const foreign = inputs.filter((i) => /node_modules\/(hono|@hono|prom-client)\/|^src\/(node|http|audit)\//.test(i));
    expect(foreign).toEqual([]);
  });

  it("keeps zod's translations of its messages out (`import * as z` lets the bundler drop what is unused)", () => {
    const everything = inputsOf(Object.keys(outputs));
    expect(everything.filter((i) => i.includes("zod/v4/locales/") && !i.endsWith("/en.js"))).toEqual([]);
  });
});
