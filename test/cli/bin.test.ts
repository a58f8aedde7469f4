/** The published command, run as a user runs it: a separate Node process running the compiled dist/. */
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "./io.js";

const run = promisify(execFile);

async function stateward(args: string[], input?: string, cwd = repoRoot): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = run(process.execPath, ["bin/stateward.js", ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: "1" },
    timeout: 30_000,
  });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  }
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout: string; stderr: string };
    if (typeof e.code !== "number") throw error;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("bin/stateward.js", () => {
  it("checks the seeds and exits 0", async () => {
    const { code, stdout } = await stateward(["check", "test/fixtures/seeds"]);
    expect(code).toBe(0);
    expect(stdout).toContain('test/fixtures/seeds/002-mysql.yaml:8: warn: StatefulSet default/mysql: spec.serviceName: Not found: "mysql"');
    expect(stdout).toMatch(/9 objects checked in 9 files, none denied, \d+ warnings\n$/);
  }, 40_000);

  it("exits 1 on the broken examples and 2 on bad usage", async () => {
    expect((await stateward(["check", "examples/broken"])).code).toBe(1);
    const usage = await stateward(["check", "--output", "xml", "examples/broken"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--output takes text, json, sarif, github or junit");
  }, 40_000);

  it("mutates standard input", async () => {
    const { code, stdout } = await stateward(
      ["mutate", "-"],
      "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data # keep me\nspec:\n  resources:\n    requests:\n      storage: 1Gi\n",
    );
    expect(code).toBe(0);
    expect(stdout).toContain("name: data # keep me\n");
    expect(stdout).toContain("accessModes:\n    - ReadWriteOnce\n");
  }, 40_000);
});

describe("bin/stateward.js in a clone of the repository", () => {
  const made: string[] = [];
  afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  /**
   * A clone's shape: bin/ and the build check as the repository has them, a source file, a stand-in dist/ and a
   * stand-in build script that writes a new dist/cli.js (or fails, as it does without esbuild).
   */
  function clone(build: "works" | "fails" = "works"): string {
    const dir = mkdtempSync(path.join(tmpdir(), "stateward-clone-"));
    made.push(dir);
    cpSync(path.join(repoRoot, "bin"), path.join(dir, "bin"), { recursive: true });
    mkdirSync(path.join(dir, "scripts"));
    cpSync(path.join(repoRoot, "scripts/build-check.mjs"), path.join(dir, "scripts/build-check.mjs"));
    writeFileSync(
      path.join(dir, "scripts/build.mjs"),
      build === "works"
        ? `import { mkdirSync, writeFileSync } from "node:fs";
export async function build() {
  mkdirSync(new URL("../dist", import.meta.url), { recursive: true });
  writeFileSync(new URL("../dist/cli.js", import.meta.url), 'export async function main() { process.stdout.write("the new build ran\\\\n"); return 0; }\\n');
}
`
        : `import "esbuild-that-is-not-installed";\nexport async function build() {}\n`,
    );
    mkdirSync(path.join(dir, "src/cli"), { recursive: true });
    writeFileSync(path.join(dir, "src/cli/main.ts"), "export {};\n");
    writeFileSync(path.join(dir, "package.json"), '{"type": "module"}\n');
    mkdirSync(path.join(dir, "dist"));
    writeFileSync(path.join(dir, "dist/cli.js"), 'export async function main() { process.stdout.write("the build ran\\n"); return 0; }\n');
    return dir;
  }
  const age = (file: string, secondsAgo: number) => {
    const when = new Date(Date.now() - secondsAgo * 1000);
    utimesSync(file, when, when);
  };

  it("runs a build newer than every source", async () => {
    const dir = clone();
    for (const file of ["src/cli/main.ts", "package.json", "scripts/build-check.mjs", "scripts/build.mjs"]) age(path.join(dir, file), 60);
    expect(await stateward(["--version"], undefined, dir)).toEqual({ code: 0, stdout: "the build ran\n", stderr: "" });
  });

  it("builds anew when the build is older than a source (after a git pull), naming the source, then runs the new build", async () => {
    const dir = clone();
    age(path.join(dir, "dist/cli.js"), 60);
    expect(await stateward(["--version"], undefined, dir)).toEqual({
      code: 0,
      stdout: "the new build ran\n",
      stderr: "stateward: dist/ is older than src/cli/main.ts, changed since the last build; building it (npm run build)\n",
    });
    // Built once: the next run finds it current.
    expect(await stateward(["--version"], undefined, dir)).toEqual({ code: 0, stdout: "the new build ran\n", stderr: "" });
  });

  it("builds dist/ when it is missing (a fresh clone after npm ci) instead of crashing on a missing module", async () => {
    const dir = clone();
    rmSync(path.join(dir, "dist"), { recursive: true });
    expect(await stateward(["--version"], undefined, dir)).toEqual({
      code: 0,
      stdout: "the new build ran\n",
      stderr: "stateward: dist/ is not built in this clone; building it (npm run build)\n",
    });
  });

  it("says how to build when the build itself fails (no devDependencies), with exit 2", async () => {
    const dir = clone("fails");
    rmSync(path.join(dir, "dist"), { recursive: true });
    const { code, stdout, stderr } = await stateward(["--version"], undefined, dir);
    expect({ code, stdout }).toEqual({ code: 2, stdout: "" });
    expect(stderr).toMatch(/^stateward: dist\/ is not built in this clone; building it \(npm run build\)\nstateward: the build failed: .*esbuild-that-is-not-installed.*; run npm ci, then npm run build\n$/);
  });

  it("does not look at sources where there are none (the published package)", async () => {
    const dir = clone();
    rmSync(path.join(dir, "src"), { recursive: true });
    rmSync(path.join(dir, "scripts"), { recursive: true });
    age(path.join(dir, "dist/cli.js"), 600);
    expect(await stateward(["--version"], undefined, dir)).toMatchObject({ code: 0, stdout: "the build ran\n" });
  });

  it("has no install script in the published package.json (npm 11 warns at install about each one), and npm pack builds", () => {
    const { scripts } = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> };
    for (const script of ["preinstall", "install", "postinstall", "prepare"]) expect(scripts[script], script).toBeUndefined();
    expect(scripts.prepack).toBe("npm run build");
  });
});

describe("dist/", () => {
  it("ships no source maps (scripts/build.mjs says why)", () => {
    const files = readdirSync(path.join(repoRoot, "dist"), { recursive: true }).map(String);
    expect(files.filter((f) => f.endsWith(".map"))).toEqual([]);
    for (const file of files.filter((f) => f.endsWith(".js"))) {
      expect(readFileSync(path.join(repoRoot, "dist", file), "utf8"), file).not.toContain("sourceMappingURL");
    }
  });
});
