// Whether a clone's dist/ is the build of its sources: bin/stateward.js asks only in a clone (src/ beside bin/), and
// the published package ships neither src/ nor this file.
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** What goes into dist/: every source, the package's version and dependencies, and the build's options. */
const inputs = ["package.json", "package-lock.json", "scripts/build.mjs"];

/**
 * Why dist/ cannot be run as this clone's build, or undefined when it can. A file changed after the last build (a
 * `git pull`, a checkout, an edit) has a newer modification time than dist/cli.js, which every build writes anew.
 */
export function buildProblem(rootUrl) {
  const root = fileURLToPath(rootUrl);
  let built;
  try {
    built = statSync(path.join(root, "dist/cli.js")).mtimeMs;
  } catch {
    return "dist/ is not built in this clone";
  }
  const sources = readdirSync(path.join(root, "src"), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name));
  for (const file of [...sources, ...inputs.map((name) => path.join(root, name))]) {
    let changed;
    try {
      changed = statSync(file).mtimeMs;
    } catch {
      continue;
    }
    if (changed > built) return `dist/ is older than ${path.relative(root, file).split(path.sep).join("/")}, changed since the last build`;
  }
  return undefined;
}
