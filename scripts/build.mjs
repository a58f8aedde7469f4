/**
 * `npm run build`: bundles the command line into dist/ as plain JavaScript, so the installed package and the image
 * run without a TypeScript toolchain. Code splitting keeps each command's modules in their own chunks, so
 * `stateward check` never loads the server (hono, prom-client) or the sync.
 * Also imported by the tests' global setup, which builds once before the suite. `npm pack` runs it (the prepack
 * script), and bin/stateward.js runs it in a clone whose dist/ is missing or older than the sources.
 */
import { rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));

/** esbuild's options for dist/; the tests build with them too (in memory) to see what each command loads. */
export const buildOptions = {
  absWorkingDir: root,
  entryPoints: { cli: "src/cli/main.ts" },
  outdir: "dist",
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  // Each command's code is a dynamic import in src/cli/main.ts's command table: its own chunks, so `check` never
  // parses the server's, the sync's or the audit's modules.
  splitting: true,
  format: "esm",
  platform: "node",
  // The oldest Node the package supports (engines in package.json).
  target: "node20",
  // Dependencies are bundled: one file per command path loads much faster than hundreds of package modules
  // (`stateward check` starts in about half the time). `serve --watch` and `sync` read the API with
  // src/node/kube-api.ts, so no Kubernetes client library is needed.
  minify: true,
  // No source maps. They were 81% of dist/ (2.76 of 3.39 MB; without them 0.63 MB), and enabling them (`node
  // --enable-source-maps`, or process.setSourceMapsEnabled before the import) made `stateward check` of one small
  // file start about 60 ms slower in the median of 40 interleaved runs (466 against 406 ms, on a 2-core machine at load
  // 10: noisy; the p25 differed by 25 ms), since Node parses the map of every module it loads, error or not. Shipped
  // but off they helped nobody. The tests run the TypeScript sources, whose stacks need no map.
  sourcemap: false,
  // Bundled CommonJS dependencies (yaml's Node build) call require for Node's built-in modules.
  banner: { js: 'import { createRequire as __stateward_createRequire } from "node:module"; const require = __stateward_createRequire(import.meta.url);' },
  metafile: true,
  logLevel: "warning",
};

export async function build() {
  await rm(new URL("../dist", import.meta.url), { recursive: true, force: true });
  const result = await esbuild.build(buildOptions);
  return result.metafile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await build();
