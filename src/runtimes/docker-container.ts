// How one SandboxSpec becomes one container: its name, labels, mounts, limits and security flags,
// the environment as the container sees it, and the small shell programs run inside. Pure: the
// docker runtime (docker.ts) runs what this file describes.
import { createHash } from "node:crypto";
import { posix, relative, sep } from "node:path";
import type { DockerConfig } from "../config/schema/docker.ts";
import { AppError } from "../errors.ts";
import type { SandboxSpec } from "../sandbox/spec.ts";

/** Where the mode's state root is mounted: the assistant's HOME. */
export const CONTAINER_HOME = "/home/aio";
/** Where the workspace is mounted: the assistant's working directory. */
export const CONTAINER_WORKSPACE = "/workspace";
/** The image's search path: the host's PATH means nothing inside. */
export const CONTAINER_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/**
 * A memory-only tmpfs; inside it a 0700 directory of the container's user holds the secrets file
 * and the run bookkeeping. (The tmpfs itself is world-writable and sticky because Podman, unlike
 * Docker, takes no uid= option for a tmpfs.)
 */
const TMPFS_DIR = "/run/aio";
const PRIVATE_DIR = `${TMPFS_DIR}/private`;
const SECRETS_FILE = `${PRIVATE_DIR}/env`;

export const LABEL = {
  managed: "dev.ai-orchestrator.managed",
  mode: "dev.ai-orchestrator.mode",
  workspace: "dev.ai-orchestrator.workspace",
  home: "dev.ai-orchestrator.home",
  kind: "dev.ai-orchestrator.kind",
} as const;

/** A session lives until `stop`; a one-shot container lives for one `run` and removes itself. */
export type ContainerKind = "session" | "oneshot";

export interface ContainerUser {
  uid: number;
  gid: number;
}

export interface ContainerEnv {
  /** Passed as `-e NAME=value`: visible in `docker inspect`, so never a secret. */
  plain: Record<string, string>;
  /** Reaches the container only through its stdin, into a private tmpfs file. */
  secret: Record<string, string>;
}

/** The same mode in the same workspace (under the same ai-orchestrator home) is the same container. */
export function sessionName(mode: string, stateRoot: string, workspace: string): string {
  const digest = createHash("sha256").update(`${stateRoot}\0${workspace}`).digest("hex").slice(0, 12);
  return `aio-${mode}-${digest}`;
}

export function oneshotName(sessionContainer: string, nonce: string): string {
  return `${sessionContainer}-run-${nonce}`;
}

/**
 * The spec's environment seen from inside: host paths of the state root and workspace become
 * their mount points, PATH becomes the image's, and HOME/PWD point at the mounts.
 */
export function containerEnv(spec: SandboxSpec): ContainerEnv {
  const plain: Record<string, string> = {};
  const secret: Record<string, string> = {};
  for (const [name, value] of Object.entries(spec.env)) {
    if (name === "PATH") continue;
    const seen = spec.secretEnv.includes(name) ? value : translatePath(value, spec);
    if (spec.secretEnv.includes(name)) secret[name] = seen;
    else plain[name] = seen;
  }
  plain.PATH = CONTAINER_PATH;
  plain.HOME = CONTAINER_HOME;
  plain.PWD = CONTAINER_WORKSPACE;
  return { plain, secret };
}

function translatePath(value: string, spec: SandboxSpec): string {
  for (const [host, inside] of [
    [spec.stateRoot, CONTAINER_HOME],
    [spec.workspace, CONTAINER_WORKSPACE],
  ] as const) {
    if (value === host) return inside;
    if (value.startsWith(`${host}${sep}`)) return posix.join(inside, ...relative(host, value).split(sep));
  }
  return value;
}

/** The variables that name the provider endpoint an assistant calls. */
const ENDPOINT_ENV = ["ANTHROPIC_BASE_URL", "GOOGLE_GEMINI_BASE_URL"];

/**
 * Why the assistant could not reach its provider from a container on `network`, or undefined. On
 * any network but the host's, 127.0.0.1 inside is the container itself: the assistant would retry
 * a refused connection for minutes without a word. Said before the container starts instead.
 */
export function unreachableEndpoint(spec: SandboxSpec, network: string): string | undefined {
  if (network === "host") return undefined;
  for (const name of ENDPOINT_ENV) {
    const url = spec.env[name];
    if (!url || !isLoopbackUrl(url)) continue;
    return `the ${spec.mode} mode's endpoint ${url} is on this machine's loopback, which a container on the docker network "${network}" cannot reach: set \`network: host\` under \`docker:\` in config.yaml, or run with \`--runtime bwrap\``;
  }
  return undefined;
}

function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, "").toLowerCase();
  } catch {
    return false;
  }
  return host === "localhost" || host.endsWith(".localhost") || host === "::1" || /^127\./.test(host);
}

/** Shell assignments the in-container programs source; single quotes make every value literal. */
export function secretsText(secret: Readonly<Record<string, string>>): string {
  let text = "";
  for (const [name, value] of Object.entries(secret)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new AppError(
        "runtime",
        `secret variable name ${JSON.stringify(name)} cannot be passed to a container`,
      );
    }
    if (value.includes("\0")) throw new AppError("credential", `the value of ${name} contains a NUL byte`);
    text += `${name}='${value.replaceAll("'", `'\\''`)}'\n`;
  }
  return text;
}

export interface CreateOptions {
  name: string;
  kind: ContainerKind;
  config: DockerConfig;
  user: ContainerUser;
  /** ai-orchestrator's home: containers of another home (another test, another person) are not ours. */
  home: string;
  /** How the client attaches: `--detach` for a session, `--interactive --rm` for a one-shot run. */
  attach: readonly string[];
}

/** `docker run` arguments up to and including the image; the container's program follows. */
export function createArgs(spec: SandboxSpec, options: CreateOptions): string[] {
  const { config, user } = options;
  const env = containerEnv(spec);
  const args = [
    "run",
    ...options.attach,
    "--name",
    options.name,
    "--hostname",
    `aio-${spec.mode}`,
    // An image missing here is a build to run, not a pull to attempt from a registry.
    "--pull",
    "never",
    // A real PID 1 that forwards signals and reaps: `stop` is then immediate, not a 10 s timeout.
    "--init",
    "--read-only",
    "--cap-drop",
    "ALL",
    "--security-opt",
    "no-new-privileges",
    "--memory",
    config.memory,
    "--cpus",
    String(config.cpus),
    "--pids-limit",
    String(config.pidsLimit),
    "--network",
    config.network,
    // Files written into the state root and the workspace belong to the person who ran us.
    "--user",
    `${user.uid}:${user.gid}`,
    "--tmpfs",
    "/tmp:rw,exec,nosuid,nodev,size=1g",
    "--tmpfs",
    `${TMPFS_DIR}:rw,noexec,nosuid,nodev,size=1m,mode=1777`,
    "--mount",
    bindMount(spec.stateRoot, CONTAINER_HOME),
    "--mount",
    bindMount(spec.workspace, CONTAINER_WORKSPACE),
    // ai-orchestrator's home inside the workspace (a launch from `~`): an empty tmpfs over it.
    ...(spec.hidden ?? []).flatMap((path) => ["--mount", tmpfsMount(translatePath(path, spec))]),
    "--workdir",
    CONTAINER_WORKSPACE,
    "--label",
    `${LABEL.managed}=true`,
    "--label",
    `${LABEL.mode}=${spec.mode}`,
    "--label",
    `${LABEL.workspace}=${spec.workspace}`,
    "--label",
    `${LABEL.home}=${options.home}`,
    "--label",
    `${LABEL.kind}=${options.kind}`,
  ];
  // Rootless Podman maps container uid 0 to the person; keep-id maps their own uid instead.
  if (config.cli === "podman" && user.uid !== 0) args.push("--userns", "keep-id");
  for (const [name, value] of Object.entries(env.plain)) args.push("--env", `${name}=${value}`);
  args.push(config.image);
  return args;
}

/** `--mount` takes CSV: a path holding a comma or quote is quoted the CSV way. */
function bindMount(source: string, target: string): string {
  return `type=bind,${csvField(`source=${source}`)},target=${target}`;
}

function tmpfsMount(target: string): string {
  return `type=tmpfs,${csvField(`destination=${target}`)},tmpfs-size=1m,tmpfs-mode=0700`;
}

function csvField(field: string): string {
  return /[",\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
}

/** Non-secret variables again on each `exec`: a session started earlier may hold older values. */
export function execEnvArgs(spec: SandboxSpec): string[] {
  const args: string[] = [];
  for (const [name, value] of Object.entries(containerEnv(spec).plain))
    args.push("--env", `${name}=${value}`);
  return args;
}

/** PID 1's program in a session: say so in the log, then wait for `exec`s until stopped. */
export const SESSION_PROGRAM = [
  "sh",
  "-c",
  'printf "session started (mode %s)\\n" "$1"; exec sleep infinity',
  "aio",
];

/** Stores the secrets read from stdin in the private tmpfs (run once, right after a session starts). */
export const STORE_SECRETS_PROGRAM = [
  "sh",
  "-c",
  `umask 077 && mkdir -p ${PRIVATE_DIR} && cat > ${SECRETS_FILE}`,
];

/**
 * PID 1's program in a one-shot container: read "<size>\n<secrets>" from stdin, store them, say
 * "ready", then hold until stdin closes — when the runtime is done, or dies, the container ends.
 */
export const ONESHOT_PROGRAM = [
  "sh",
  "-c",
  `umask 077 && mkdir -p ${PRIVATE_DIR} && IFS= read -r size && head -c "$size" > ${SECRETS_FILE} && echo ready && exec cat > /dev/null`,
];
export const ONESHOT_READY = "ready";

/**
 * What `exec` runs in front of the assistant: load the secrets, note its pid (signals are
 * forwarded by pid), log the run in the session's log, then become the assistant. Arguments travel
 * as "$@", never re-joined into a string.
 */
export function execProgram(runId: string, command: readonly string[]): string[] {
  const script = [
    'id="$1"; shift',
    `for f in ${PRIVATE_DIR}/*.pid; do [ -e "$f" ] || continue; [ -d "/proc/$(cat "$f")" ] || rm -f "$f"; done`,
    `set -a; . ${SECRETS_FILE}; set +a`,
    `echo "$$" > "${PRIVATE_DIR}/$id.pid"`,
    `printf "run %s (%s)\\n" "$1" "$id" > /proc/1/fd/1 2>/dev/null || true`,
    'exec "$@"',
  ].join("\n");
  return ["sh", "-c", script, "aio", runId, ...command];
}

/** Sends a signal to the assistant a `run` started (a `docker exec` client does not forward any). */
export function signalProgram(runId: string, signal: string): string[] {
  return [
    "sh",
    "-c",
    `pid=$(cat "${PRIVATE_DIR}/$2.pid" 2>/dev/null) && kill -s "$1" "$pid"`,
    "aio",
    signal.replace(/^SIG/, ""),
    runId,
  ];
}

/** The assistant's program inside the image (docker/Dockerfile links both onto PATH). */
export function assistantCommand(spec: SandboxSpec): readonly string[] {
  return [spec.cli, ...spec.args];
}
