/**
 * Vitest global setup: builds dist/ once before the suite, so the tests that run the `stateward` command (bin/,
 * the Node server, the packed package) run the same compiled code that users install.
 */
import { execFileSync } from "node:child_process";

export default function setup(): void {
  execFileSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
}
