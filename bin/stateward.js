#!/usr/bin/env node
// The published command: loads the TypeScript sources through tsx (a runtime dependency), scoped to this import so
// nothing else in the process is affected.
import { tsImport } from "tsx/esm/api";

const { main } = await tsImport("../src/cli/main.ts", import.meta.url);
// Closing a pipe early (`stateward check . | head`) is not an error of ours.
process.stdout.on("error", (error) => {
  if (error.code !== "EPIPE") throw error;
});
process.exitCode = await main(process.argv.slice(2));
