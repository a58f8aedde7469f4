/**
 * A Dockerfile's own instructions, carried out without a container engine (none runs on these machines), so that a
 * test of the image is a test of the Dockerfile as written: change the Dockerfile and the test does what it now says.
 *
 * Each stage is an empty folder that stands for its root file system. The base image named by FROM is a set of
 * read-only bind mounts and a few files, given by the caller (the test says what stands for which image). RUN runs its
 * command as written, in `/bin/sh -c` for the shell form, inside a mount namespace whose root is the stage's folder
 * (unshare --mount, then unshare --root: a chroot), as the stage's USER, in its WORKDIR, with its ENV; so an absolute
 * path such as /pkg means the stage's /pkg, and a folder a command forgot to create is missing, as in a real build.
 * This needs root (as this machine and CI have). COPY takes files from the build context after .dockerignore
 * (@balena/dockerignore, Docker's matching rules), COPY --from from an earlier stage's folder. An instruction, flag or
 * form this file does not carry out faithfully throws, naming the line, instead of being skipped.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import ignore from "@balena/dockerignore";
import { DockerfileParser, type Copy, type Env, type From, type Instruction, type JSONInstruction } from "dockerfile-ast";
import { type Result, runProcess } from "./process.js";

/** A host folder or file bind-mounted into a stage's root, read-only unless `writable`. */
export interface Mount {
  source: string;
  target: string;
  writable?: boolean;
}

/** What stands for a base image: its file system (mounts over the stage's folder, plus files it holds) and config. */
export interface BaseImage {
  mounts: Mount[];
  /** Files and folders the image holds, created in the stage's folder: a string is a file's text, a number a folder's mode, `{ link }` a symbolic link. */
  files: Record<string, string | number | { link: string }>;
  /** The image's Env, User and WorkingDir (its config, as `docker image inspect` shows it). */
  env: Record<string, string>;
  user: string;
  workdir: string;
}

/** One FROM and what followed it, built in `root`. */
export interface Stage {
  index: number;
  name: string | undefined;
  base: BaseImage;
  root: string;
  workdir: string;
  env: Record<string, string>;
  user: string;
  entrypoint: string[];
  cmd: string[];
  exposed: string[];
}

/** How the builder runs RUN: mounts and variables a builder adds (a BuildKit cache mount, a registry setting). */
export interface Builder {
  runMounts: Mount[];
  runEnv: Record<string, string>;
  /** Called with each RUN's output, for the test's log. */
  log?: (line: string) => void;
}

/** What every container gets from the engine, whatever its image: /proc, /dev and the host's name resolution. */
const engineMounts: Mount[] = [
  { source: "/proc", target: "/proc", writable: true },
  { source: "/dev", target: "/dev", writable: true },
  { source: "/etc/hosts", target: "/etc/hosts" },
  { source: "/etc/resolv.conf", target: "/etc/resolv.conf" },
];

class DockerfileError extends Error {
  constructor(instruction: Instruction, message: string) {
    super(`Dockerfile line ${instruction.getRange().start.line + 1} (${instruction.getKeyword()} ${instruction.getArgumentsContent()}): ${message}`);
  }
}

/** The argv of an exec-form (JSON) instruction, or the shell form's text run by /bin/sh -c, as Docker does. */
function commandOf(instruction: JSONInstruction): string[] {
  const json = instruction.getJSONStrings();
  if (instruction.getOpeningBracket() && json.length > 0) return json.map((s) => s.getJSONValue());
  const text = instruction.getArgumentsContent();
  if (!text) throw new DockerfileError(instruction, "has no command");
  return ["/bin/sh", "-c", text];
}

/** Docker's user string "uid[:gid]" as numbers; names would need the image's /etc/passwd, which no line here uses. */
function ids(user: string, instruction?: Instruction): { uid: number; gid: number } {
  const match = /^(\d+)(?::(\d+))?$/.exec(user);
  if (!match) {
    const message = `USER ${user}: only numeric uid[:gid] is carried out here`;
    throw instruction ? new DockerfileError(instruction, message) : new Error(message);
  }
  return { uid: Number(match[1]), gid: Number(match[2] ?? match[1]) };
}

/** Where a path of the stage's file system lives on the host: under the last mount that covers it, else the folder. */
function hostPath(stage: Stage, mounts: readonly Mount[], file: string): string {
  const covering = mounts.filter((m) => file === m.target || file.startsWith(`${m.target}/`)).at(-1);
  return covering ? path.join(covering.source, path.relative(covering.target, file)) : path.join(stage.root, file);
}

/** HOME as Docker sets it when the image's Env has none: the user's home in the image's /etc/passwd, else "/". */
function homeOf(stage: Stage, mounts: readonly Mount[]): string {
  const { uid } = ids(stage.user);
  const passwd = hostPath(stage, mounts, "/etc/passwd");
  const entry = existsSync(passwd)
    ? readFileSync(passwd, "utf8").split("\n").map((line) => line.split(":")).find((fields) => fields[2] === String(uid))
    : undefined;
  return entry?.[5] || "/";
}

/**
 * The host-side part of running a command in a stage, run by `unshare --mount` in its new mount namespace: the
 * stage's folder becomes a mount of its own (so it can be made read-only), the base image's and the engine's mounts
 * go over it, then `unshare --root --wd` enters it and execs the command (as uid:gid when given).
 * Arguments: root, workdir, read-only (0/1), uid ("" for the current), gid, then "rw|ro source target" triples, "--",
 * then the command.
 */
const enterScript = `
set -eu
root=$1 wd=$2 readonly=$3 uid=$4 gid=$5; shift 5
/usr/bin/mount --bind "$root" "$root"
while [ "$1" != -- ]; do
  mode=$1 source=$2 target=$root$3; shift 3
  if [ -d "$source" ]; then [ -d "$target" ] || mkdir -p "$target"; else [ -e "$target" ] || { mkdir -p "$(dirname "$target")"; : > "$target"; }; fi
  if [ "$mode" = ro ]; then /usr/bin/mount --rbind -o ro "$source" "$target"; else /usr/bin/mount --rbind "$source" "$target"; fi
done
shift
if [ "$readonly" = 1 ]; then /usr/bin/mount -o remount,bind,ro "$root"; fi
if [ -n "$uid" ]; then exec /usr/bin/unshare --root "$root" --wd "$wd" --setgid "$gid" --setuid "$uid" -- "$@"; fi
exec /usr/bin/unshare --root "$root" --wd "$wd" -- "$@"
`;

export interface InStage {
  /** More mounts (a Secret or ConfigMap volume, a build cache). */
  mounts?: Mount[];
  env?: Record<string, string>;
  /** The root file system read-only (readOnlyRootFilesystem). */
  readOnly?: boolean;
  input?: string;
}

function enterArgs(stage: Stage, argv: readonly string[], options: InStage): { args: string[]; env: NodeJS.ProcessEnv } {
  const mounts = [...stage.base.mounts, ...engineMounts, ...(options.mounts ?? [])];
  const { uid, gid } = ids(stage.user);
  const triples = mounts.flatMap((m) => [m.writable ? "rw" : "ro", m.source, m.target]);
  const args = [
    "--mount", "--propagation", "private", "--", "/bin/sh", "-c", enterScript, "enter",
    stage.root, stage.workdir, options.readOnly ? "1" : "0", uid === 0 ? "" : String(uid), String(gid), ...triples, "--", ...argv,
  ];
  // The engine's variables (PATH and HOME when the image sets none), the image's ENV, then the caller's.
  const env = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOME: homeOf(stage, mounts), ...stage.env, ...options.env };
  return { args, env };
}

/** Runs `argv` in the stage (as `docker run --entrypoint` would) to its end. */
export function runInStage(stage: Stage, argv: readonly string[], options: InStage = {}): Promise<Result> {
  const { args, env } = enterArgs(stage, argv, options);
  return runProcess("unshare", args, { cwd: "/", env, input: options.input });
}

/** Starts `argv` in the stage and leaves it running (a server). */
export function spawnInStage(stage: Stage, argv: readonly string[], options: InStage = {}): ChildProcessWithoutNullStreams {
  const { args, env } = enterArgs(stage, argv, options);
  return spawn("unshare", args, { cwd: "/", env });
}

/** The image's ENTRYPOINT with `args` in place of its CMD, as `docker run IMAGE args...` runs it. */
export function imageCommand(stage: Stage, args?: readonly string[]): string[] {
  return [...stage.entrypoint, ...(args ?? stage.cmd)];
}

/** Every path of the build context that .dockerignore lets through, relative and with "/" separators. */
export function contextFiles(context: string): string[] {
  const patterns = existsSync(path.join(context, ".dockerignore")) ? readFileSync(path.join(context, ".dockerignore"), "utf8") : "";
  const lines = patterns.split("\n").map((line) => line.trim()).filter((line) => line && !line.startsWith("#"));
  const ignored = ignore().add(lines);
  const exceptions = lines.filter((line) => line.startsWith("!")).map((line) => line.slice(1).replace(/^\//, ""));
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(path.join(context, dir)).sort()) {
      const relative = dir ? `${dir}/${name}` : name;
      const isDir = lstatSync(path.join(context, relative)).isDirectory();
      if (!ignored.ignores(relative)) files.push(relative);
      // Like Docker's walk, an excluded folder is entered only when an exception pattern could reach inside it.
      if (isDir && (!ignored.ignores(relative) || exceptions.some((e) => e.startsWith(`${relative}/`) || /[*?[]/.test(e)))) walk(relative);
    }
  };
  walk("");
  return files;
}

/** COPY: files from the context (through .dockerignore) or an earlier stage, into the stage at `dest`. */
function copy(instruction: Copy, stage: Stage, stages: readonly Stage[], context: string, allowed: ReadonlySet<string>) {
  const flags = instruction.getFlags();
  for (const flag of flags) if (flag.getName() !== "from") throw new DockerfileError(instruction, `COPY --${flag.getName()} is not carried out here`);
  if (instruction.getOpeningBracket()) throw new DockerfileError(instruction, "the JSON form of COPY is not carried out here");
  const args = instruction.getArguments().map((a) => a.getValue()).filter((value) => !value.startsWith("--"));
  const dest = args.pop();
  if (!dest || args.length === 0) throw new DockerfileError(instruction, "needs a source and a destination");
  for (const source of args) if (/[*?[$]/.test(source) || dest.includes("$")) throw new DockerfileError(instruction, "wildcards and variables in COPY are not carried out here");
  const target = path.posix.resolve(stage.workdir, dest);
  const intoFolder = dest.endsWith("/") || args.length > 1;
  const fromName = instruction.getFromFlag()?.getValue();
  const from = fromName === undefined ? undefined : stages.find((s) => s.name === fromName || String(s.index) === fromName);
  if (fromName !== undefined && !from) throw new DockerfileError(instruction, `--from=${fromName} names no earlier stage (copying from an image is not carried out here)`);

  for (const source of args) {
    let origin: string;
    let inside: () => string[];
    if (from) {
      origin = path.join(from.root, path.posix.resolve("/", source));
      inside = () => readdirSync(origin, { recursive: true, encoding: "utf8" });
    } else {
      const relative = path.posix.normalize(source).replace(/^\/+|\/+$/g, "").replace(/^\.$/, "");
      origin = path.join(context, relative);
      // A file .dockerignore leaves out is not in the context at all: COPY of it fails as it would with Docker.
      if (relative && !allowed.has(relative)) throw new DockerfileError(instruction, `${source} is not in the build context (see .dockerignore)`);
      const prefix = relative ? `${relative}/` : "";
      inside = () => [...allowed].filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length));
    }
    if (!existsSync(origin)) throw new DockerfileError(instruction, `${source} does not exist${from ? ` in stage ${fromName}` : ""}`);
    const destination = path.join(stage.root, statSync(origin).isDirectory() || !intoFolder ? target : path.posix.join(target, path.basename(origin)));
    if (statSync(origin).isDirectory()) {
      // A folder's contents are copied into the destination, not the folder itself.
      mkdirSync(destination, { recursive: true });
      for (const entry of inside()) {
        const from = path.join(origin, entry);
        const to = path.join(destination, entry);
        if (lstatSync(from).isDirectory()) mkdirSync(to, { recursive: true });
        else {
          mkdirSync(path.dirname(to), { recursive: true });
          cpSync(from, to, { verbatimSymlinks: true });
        }
      }
    } else {
      mkdirSync(path.dirname(destination), { recursive: true });
      cpSync(origin, destination);
    }
  }
}

/** Lays out a stage's folder as its base image has it. */
function lay(root: string, base: BaseImage) {
  mkdirSync(root, { recursive: true });
  chmodSync(root, 0o755);
  for (const [file, content] of Object.entries(base.files)) {
    const at = path.join(root, file);
    mkdirSync(path.dirname(at), { recursive: true });
    if (typeof content === "number") {
      mkdirSync(at, { recursive: true });
      chmodSync(at, content);
    } else if (typeof content === "string") writeFileSync(at, content);
    else symlinkSync(content.link, at);
  }
}

/** The instructions besides FROM that buildDockerfile carries out; any other fails the build. */
const carriedOut = ["WORKDIR", "ENV", "COPY", "RUN", "USER", "EXPOSE", "ENTRYPOINT", "CMD"];

/**
 * Builds every stage of `dockerfile` in `work` from the build context `context`, with `bases` standing for the
 * images FROM names. Throws on a failing RUN with its output, and on anything it does not carry out.
 */
export async function buildDockerfile(dockerfile: string, context: string, bases: Record<string, BaseImage>, work: string, builder: Builder): Promise<Stage[]> {
  const parsed = DockerfileParser.parse(dockerfile);
  if (parsed.getDirectives().length > 0) throw new Error("parser directives (# syntax=, # escape=) are not carried out here");
  const allowed = new Set(contextFiles(context));
  const stages: Stage[] = [];
  let stage: Stage | undefined;
  for (const instruction of parsed.getInstructions()) {
    const keyword = instruction.getKeyword();
    if (keyword === "FROM") {
      const from = instruction as From;
      if (from.getFlags().length > 0) throw new DockerfileError(instruction, "FROM flags are not carried out here");
      const image = from.getImage() ?? "";
      const base = bases[image];
      if (!base) throw new DockerfileError(instruction, `nothing stands for the image ${image} (add it to the test's base images)`);
      const index = stages.length;
      const name = from.getBuildStage() ?? undefined;
      const root = path.join(work, `stage-${index}${name ? `-${name}` : ""}`);
      lay(root, base);
      stage = { index, name, base, root, workdir: base.workdir, env: { ...base.env }, user: base.user, entrypoint: [], cmd: [], exposed: [] };
      stages.push(stage);
      continue;
    }
    if (!carriedOut.includes(keyword)) throw new DockerfileError(instruction, `${keyword} is not carried out by test/pack/dockerfile.ts: teach it, faithfully, or do without`);
    if (!stage) throw new DockerfileError(instruction, "comes before any FROM");
    const args = instruction.getArguments().map((a) => a.getValue());
    switch (keyword) {
      case "WORKDIR": {
        if (args.length !== 1 || args[0]!.includes("$")) throw new DockerfileError(instruction, "takes one path without variables here");
        stage.workdir = path.posix.resolve(stage.workdir, args[0]!);
        mkdirSync(path.join(stage.root, stage.workdir), { recursive: true });
        break;
      }
      case "ENV": {
        for (const property of (instruction as Env).getProperties()) {
          const value = property.getUnescapedValue() ?? "";
          if (value.includes("$")) throw new DockerfileError(instruction, "variables in ENV are not carried out here");
          stage.env[property.getName()] = value;
        }
        break;
      }
      case "COPY":
        copy(instruction as Copy, stage, stages, context, allowed);
        break;
      case "RUN": {
        const run = instruction as JSONInstruction;
        if (run.getFlags().length > 0) throw new DockerfileError(instruction, "RUN flags (--mount, --network) are not carried out here");
        const started = Date.now();
        const result = await runInStage(stage, commandOf(run), { mounts: builder.runMounts, env: builder.runEnv });
        builder.log?.(`RUN ${instruction.getArgumentsContent()} (${((Date.now() - started) / 1000).toFixed(1)} s)\n${result.stdout}${result.stderr}`);
        if (result.code !== 0) throw new DockerfileError(instruction, `exit code ${result.code}\n${result.stdout}${result.stderr}`);
        break;
      }
      case "USER":
        ids(args.join(" "), instruction);
        stage.user = args.join(" ");
        break;
      case "EXPOSE":
        stage.exposed.push(...args);
        break;
      case "ENTRYPOINT":
        stage.entrypoint = commandOf(instruction as JSONInstruction);
        // Docker resets CMD inherited from the base image when ENTRYPOINT is set.
        stage.cmd = [];
        break;
      case "CMD":
        stage.cmd = commandOf(instruction as JSONInstruction);
        break;
      default:
        throw new DockerfileError(instruction, `${keyword} is listed as carried out but has no case`);
    }
  }
  if (stages.length === 0) throw new Error("the Dockerfile has no FROM");
  return stages;
}
