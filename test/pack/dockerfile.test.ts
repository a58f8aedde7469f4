/**
 * test/pack/dockerfile.ts on small Dockerfiles: RUN's paths are the stage's own, COPY honours .dockerignore and takes
 * --from an earlier stage, and what it does not carry out fails naming the line, never skipped. The image test
 * (image.test.ts) relies on all of this for the real Dockerfile.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type BaseImage, buildDockerfile, contextFiles } from "./dockerfile.js";

const work = mkdtempSync(path.join(tmpdir(), "stateward-dockerfile-"));
const context = path.join(work, "context");
mkdirSync(path.join(context, "src", "deep"), { recursive: true });
writeFileSync(path.join(context, "package.json"), "{}\n");
writeFileSync(path.join(context, "secret.env"), "TOKEN=x\n");
writeFileSync(path.join(context, "src", "deep", "a.ts"), "export {};\n");
writeFileSync(path.join(context, ".dockerignore"), "*\n!package.json\n!src\n");

/** A base with a shell: this machine's /usr and /etc, read-only. */
const debian: BaseImage = {
  mounts: [
    { source: "/usr", target: "/usr" },
    { source: "/etc", target: "/etc" },
  ],
  files: { "/bin": { link: "usr/bin" }, "/lib": { link: "usr/lib" }, "/lib64": { link: "usr/lib64" }, "/tmp": 0o1777 },
  env: {},
  user: "0",
  workdir: "/",
};
/** A base without one. */
const empty: BaseImage = { mounts: [], files: {}, env: {}, user: "0", workdir: "/" };

let builds = 0;
const build = (dockerfile: string) =>
  buildDockerfile(dockerfile, context, { debian, empty }, path.join(work, `build-${++builds}`), { runMounts: [], runEnv: {} });

// Removing an installed node_modules took over a minute on a loaded CI machine: a hook's default limit failed the file.
afterAll(() => rmSync(work, { recursive: true, force: true }), 300_000);

describe("carrying out a Dockerfile", () => {
  it("runs RUN inside the stage's root: an absolute path is the stage's, a missing folder is missing", async () => {
    const stages = await build("FROM debian AS one\nRUN mkdir /made && echo here > /made/file\n");
    expect(readFileSync(path.join(stages[0]!.root, "made/file"), "utf8")).toBe("here\n");
    expect(existsSync("/made")).toBe(false);
    await expect(build("FROM debian\nRUN test -d /made\n")).rejects.toThrow(/^Dockerfile line 2 \(RUN test -d \/made\): exit code 1/);
  });

  it("copies the context through .dockerignore, and from an earlier stage", async () => {
    expect(contextFiles(context)).toEqual(["package.json", "src", "src/deep", "src/deep/a.ts"]);
    const stages = await build("FROM empty AS one\nWORKDIR /app\nCOPY . .\nFROM empty\nCOPY --from=one /app/src ./copied\n");
    expect(existsSync(path.join(stages[0]!.root, "app/src/deep/a.ts"))).toBe(true);
    expect(existsSync(path.join(stages[0]!.root, "app/secret.env"))).toBe(false);
    expect(existsSync(path.join(stages[1]!.root, "copied/deep/a.ts"))).toBe(true);
    await expect(build("FROM empty\nCOPY secret.env /\n")).rejects.toThrow(/line 2 .*secret\.env is not in the build context/);
  });

  it.each([
    ["an instruction it does not know", "FROM empty\nADD x /x\n", /line 2 \(ADD x \/x\): ADD is not carried out/],
    ["ARG", "ARG V=1\nFROM empty\n", /line 1 .*ARG is not carried out/],
    ["a RUN flag", "FROM debian\nRUN --mount=type=cache,target=/c true\n", /line 2 .*RUN flags/],
    ["a COPY flag", "FROM empty\nCOPY --chown=1:1 package.json /\n", /line 2 .*COPY --chown is not carried out/],
    ["COPY from an image", "FROM empty\nCOPY --from=alpine /etc/passwd /\n", /line 2 .*names no earlier stage/],
    ["an image nothing stands for", "FROM alpine:3\n", /line 1 .*nothing stands for the image alpine:3/],
    ["a variable", "FROM empty\nENV A=$HOME\n", /line 2 .*variables in ENV/],
    ["a named user", "FROM empty\nUSER nobody\n", /line 2 .*only numeric uid/],
    ["RUN in an image without a shell", "FROM empty\nRUN true\n", /line 2 \(RUN true\): exit code/],
  ])("fails loudly on %s", async (_, dockerfile, error) => {
    await expect(build(dockerfile)).rejects.toThrow(error);
  });
});
