#!/usr/bin/env node
// The published command: the compiled command line in dist/ (`npm run build`; `npm pack` builds it, by the prepack
// script).
import { existsSync } from "node:fs";
import module from "node:module";

// In a clone of the repository (src/ beside bin/; the published package has none, and never pays for this), dist/ is
// missing after `npm ci` and older than the sources after a `git pull`: build it, rather than crash on a missing module
// or silently run other code than the clone holds. (A prepare script would build at `npm ci`, but npm 11 then warns at
// every install of the published package that it has an install script not covered by allowScripts.)
if (existsSync(new URL("../src/cli/main.ts", import.meta.url))) {
  const { buildProblem } = await import("../scripts/build-check.mjs");
  const problem = buildProblem(new URL("..", import.meta.url));
  if (problem) {
    process.stderr.write(`stateward: ${problem}; building it (npm run build)\n`);
    try {
      await (await import("../scripts/build.mjs")).build();
    } catch (error) {
      process.stderr.write(`stateward: the build failed: ${error instanceof Error ? error.message : error}; run npm ci, then npm run build\n`);
      process.exit(2);
    }
  }
}

// Node 22 and later can keep V8's compiled code between runs of the bundled command. Where the cache directory cannot
// be written (a read-only root filesystem) Node carries on without it.
module.enableCompileCache?.();
const { main } = await import("../dist/cli.js");

// Closing a pipe early (`stateward check . | head`) is not an error of ours.
process.stdout.on("error", (error) => {
  if (error.code !== "EPIPE") throw error;
});
process.exitCode = await main(process.argv.slice(2));
