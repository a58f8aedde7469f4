import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// CI runs on a 2-core machine that may be loaded; a test's own bounds say what it expects, these only catch hangs.
// Projects do not inherit the root's test options, so each project spreads these.
const hangLimits = { testTimeout: 30_000, hookTimeout: 60_000 };

/**
 * The end-to-end tests: each packs or installs the package, runs npm ci or npm install, installs Node 22 from the
 * registry, carries out the Dockerfile or the Action's steps, or starts `wrangler dev`. They take minutes where the
 * rest take seconds, so `npm test` leaves them to `npm run test:e2e` (.ci/run runs both). A test belongs here when
 * it starts such a process; one that only spawns the built `stateward` command stays in `node`.
 */
const endToEnd = [
  "test/pack/pack.test.ts",
  "test/pack/action.test.ts",
  "test/pack/image.test.ts",
  "test/pack/dockerfile.test.ts",
  "test/cli/clone.test.ts",
  "test/cluster/wrangler-dev.test.ts",
  "test/docs/outputs-wrangler-dev.test.ts",
  "test/docs/user-commands.test.ts",
  "test/deploy.test.ts",
];

export default defineConfig({
  test: {
    // The service logs a JSON line per review; show a test's output only when that test fails.
    silent: "passed-only",
    globalSetup: ["./test/build.global-setup.ts"],
    projects: [
      {
        // HTTP paths run inside workerd (miniflare), the way the Worker runs at the edge.
        plugins: [cloudflareTest({ main: "./src/worker/index.ts", wrangler: { configPath: "./wrangler.toml" } })],
        test: { ...hangLimits, name: "workerd", include: ["test/**/*.worker.test.ts"] },
      },
      {
        test: {
          ...hangLimits,
          name: "node",
          include: ["test/**/*.test.ts"],
          exclude: ["test/**/*.worker.test.ts", ...endToEnd, "node_modules/**"],
          environment: "node",
          // One module graph per worker instead of per file: importing the sources anew for every file cost more CPU
          // than the tests themselves (the rules, defaults and corpus files: 62 s of CPU isolated, 18 s shared).
          // Tests therefore keep no state in modules: each builds its own policy, store, registry and server.
          isolate: false,
        },
      },
      {
        test: { ...hangLimits, name: "e2e", include: endToEnd, environment: "node" },
      },
    ],
  },
});
