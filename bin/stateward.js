#!/usr/bin/env node
// The published command: the compiled command line in dist/ (`npm run build`; `npm pack` builds it first).
import module from "node:module";

// Node 22 and later can keep V8's compiled code between runs of the bundled command. Where the cache directory cannot
// be written (a read-only root filesystem) Node carries on without it.
module.enableCompileCache?.();
const { main } = await import("../dist/cli.js");

// Closing a pipe early (`stateward check . | head`) is not an error of ours.
process.stdout.on("error", (error) => {
  if (error.code !== "EPIPE") throw error;
});
process.exitCode = await main(process.argv.slice(2));
