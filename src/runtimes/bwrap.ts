// The `bwrap` runtime: the assistant inside bubblewrap namespaces, seeing only the system's
// programs and libraries, a few files of /etc, its own CLI, its own state root (as HOME) and the
// workspace. The host home, other modes' state and ai-orchestrator's secrets do not exist there.
import { type ChildProcess, spawnSync } from "node:child_process";
import { existsSync, lstatSync, readFileSync, readlinkSync, realpathSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, sep } from "node:path";
import { AppError } from "../errors.ts";
import type { SandboxSpec } from "../sandbox/spec.ts";
import { runChild } from "./child.ts";
import type { CliLocator, LocatedCli } from "./locate-cli.ts";
import { ensureStateRoot, sandboxEnv } from "./process.ts";
import type { Availability, RunOptions, RunResult, Runtime } from "./runtime.ts";

export interface BwrapRuntimeOptions {
  locate: CliLocator;
  /** Default: `bwrap` from PATH. */
  bwrapPath?: string;
}

/** Top-level system directories: bound read-only, or re-created as the symlinks they are (merged /usr). */
const SYSTEM_DIRECTORIES = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

/**
 * The parts of /etc a CLI needs: name resolution, TLS roots, user names, the dynamic loader's
 * cache, time zone and Debian's alternatives links. Not the rest (no ssh, sudoers, machine-id,
 * environment or profile files), and of the TLS folders only the public certificates: their
 * `private/` folders hold the host's own TLS keys, which root or the ssl-cert group can read.
 */
export const ETC_ENTRIES: readonly string[] = [
  "resolv.conf",
  "hosts",
  "host.conf",
  "nsswitch.conf",
  "gai.conf",
  "passwd",
  "group",
  "localtime",
  "ssl/certs",
  "ssl/openssl.cnf",
  "ca-certificates",
  "ca-certificates.conf",
  "pki/tls/certs",
  "pki/tls/cert.pem",
  "pki/tls/openssl.cnf",
  "pki/ca-trust",
  "crypto-policies",
  "alternatives",
  "ld.so.cache",
  "ld.so.conf",
  "ld.so.conf.d",
  "terminfo",
];

/**
 * Signals a terminal sends its whole foreground process group. bwrap is in that group and would
 * die of them, killing the assistant, which may only want to cancel a turn on Ctrl-C
 * (containers/bubblewrap#369): bwrap ignores them, and the assistant gets them back at their defaults.
 */
const TERMINAL_SIGNALS = "INT,QUIT,HUP";
/** GNU env (coreutils 8.31 or later) sets signals to ignored or default around an exec. */
const SIGNAL_SETTER = "/usr/bin/env";

type Mount = { kind: "ro-bind" | "bind"; source: string; target: string } | { kind: "tmpfs"; target: string };

export interface BwrapLayout {
  /** Whether the assistant owns a terminal: then it keeps our session so job control works. */
  tty: boolean;
  /**
   * With a terminal: the program that restores the terminal's signals for the assistant, which
   * bwrap was started ignoring. Undefined: the assistant inherits bwrap's signal dispositions.
   */
  signalSetter?: string;
  /** Host filesystem facts; tests pass their own. */
  exists?: (path: string) => boolean;
  /** The person's home directory, which no program binding may expose; default os.homedir(). */
  hostHome?: string;
}

/**
 * A CLI installed straight into a home directory would take that whole directory (or the
 * orchestrator's, with every mode's state and secrets) into the sandbox with it: refuse.
 */
function refuseExposing(path: string, spec: SandboxSpec, hostHome = homedir()): void {
  for (const guarded of [dirname(spec.stateRoot), hostHome]) {
    if (guarded === path || guarded.startsWith(`${path === sep ? "" : path}${sep}`)) {
      throw new AppError(
        "runtime",
        `${spec.cli} is installed under ${path}, which would take ${guarded} into the ${spec.mode} sandbox: run \`ai-orchestrator install-clis\` or install it into a folder of its own`,
      );
    }
  }
}

/** bwrap's arguments for one run: pure apart from looking at which system paths exist. */
export function bwrapArguments(spec: SandboxSpec, located: LocatedCli, layout: BwrapLayout): string[] {
  const exists = layout.exists ?? existsSync;
  const args = ["--unshare-all", "--share-net", "--die-with-parent", "--info-fd", "3"];
  // Without a terminal, a new session stops the assistant from pushing keystrokes into ours (TIOCSTI).
  if (!layout.tty) args.push("--new-session");
  args.push("--hostname", `${spec.mode}-sandbox`);

  for (const directory of SYSTEM_DIRECTORIES) {
    const link = symlinkTarget(directory);
    if (link !== undefined) args.push("--symlink", link, directory);
    else if (exists(directory)) args.push("--ro-bind", directory, directory);
  }
  for (const entry of ETC_ENTRIES) {
    const path = `/etc/${entry}`;
    if (!exists(path)) continue;
    // /etc/resolv.conf and /etc/localtime are often symlinks into /run or /usr: bind what they point to.
    args.push("--ro-bind", resolvedOrSelf(path), path);
  }
  args.push("--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/run");

  for (const path of located.readOnlyPaths) refuseExposing(path, spec, layout.hostHome);
  const mounts: Mount[] = [
    ...located.readOnlyPaths.map((path): Mount => ({ kind: "ro-bind", source: path, target: path })),
    { kind: "bind", source: spec.stateRoot, target: spec.stateRoot },
    { kind: "bind", source: spec.workspace, target: spec.workspace },
    // ai-orchestrator's home inside the workspace: an empty tmpfs over it, the mode's own state bound back.
    ...(spec.hidden ?? []).map((target): Mount => ({ kind: "tmpfs", target })),
  ];
  // Parents before children, so a nested mount is not hidden by its parent's.
  mounts.sort((left, right) => depth(left.target) - depth(right.target));
  for (const mount of mounts) {
    if (mount.kind === "tmpfs") args.push("--tmpfs", mount.target);
    else args.push(`--${mount.kind}`, mount.source, mount.target);
  }

  const restore =
    layout.signalSetter === undefined
      ? []
      : [layout.signalSetter, `--default-signal=${TERMINAL_SIGNALS}`, "--"];
  args.push(
    "--chdir",
    spec.workspace,
    "--",
    ...restore,
    located.executable,
    ...located.leadingArgs,
    ...spec.args,
  );
  return args;
}

export function bwrapRuntime(options: BwrapRuntimeOptions): Runtime {
  const bwrap = options.bwrapPath ?? "bwrap";
  return {
    name: "bwrap",
    probe: async () => probeBwrap(bwrap),
    run: (spec: SandboxSpec, runOptions: RunOptions): Promise<RunResult> => {
      const located = options.locate(spec.cli);
      ensureStateRoot(spec);
      const tty = runOptions.stdio === "inherit" && process.stdin.isTTY === true;
      // env would take a program path with "=" in it for a variable assignment.
      const signalSetter = tty && !located.executable.includes("=") ? terminalSignalSetter() : undefined;
      const args = bwrapArguments(spec, located, { tty, signalSetter });
      let sandboxed: number | undefined;
      return runChild(
        {
          executable: signalSetter ?? bwrap,
          args: signalSetter ? [`--ignore-signal=${TERMINAL_SIGNALS}`, bwrap, ...args] : args,
          // bwrap hands its own environment to the assistant: exactly the spec's, nothing of ours.
          env: sandboxEnv(spec),
          cwd: spec.workspace,
          extraPipes: 1,
        },
        runOptions,
        {
          started: (child) => {
            readInfo(child, (pid) => {
              sandboxed = pid;
            });
          },
          signalTarget: (child, signal) => forwardSignal(child, sandboxed, signal),
        },
      );
    },
  };
}

export function probeBwrap(bwrap = "bwrap"): Availability {
  if (process.platform !== "linux") return { available: false, reason: "bubblewrap runs only on Linux" };
  const version = spawnSync(bwrap, ["--version"], { encoding: "utf8" });
  if (version.error || version.status !== 0) {
    return { available: false, reason: "bwrap is not installed (install the bubblewrap package)" };
  }
  // A trial sandbox proves user namespaces are allowed here, which `--version` does not.
  const trial = spawnSync(bwrap, ["--unshare-all", "--share-net", "--ro-bind", "/", "/", "--", "true"], {
    encoding: "utf8",
  });
  if (trial.status !== 0) {
    const reason = trial.stderr.trim().split("\n")[0] ?? `exit ${trial.status}`;
    return { available: false, reason: `bwrap cannot create namespaces here: ${reason}` };
  }
  return { available: true, detail: version.stdout.trim() };
}

let signalSetterFound: string | null | undefined;

/** SIGNAL_SETTER when it can ignore and restore signals here (busybox's env cannot); probed once. */
function terminalSignalSetter(): string | undefined {
  if (signalSetterFound === undefined) {
    const probe = spawnSync(SIGNAL_SETTER, [
      `--ignore-signal=${TERMINAL_SIGNALS}`,
      `--default-signal=${TERMINAL_SIGNALS}`,
      "true",
    ]);
    signalSetterFound = probe.status === 0 ? SIGNAL_SETTER : null;
  }
  return signalSetterFound ?? undefined;
}

/** bwrap writes `{"child-pid": N}` on the info pipe: N is the sandbox's init, the assistant its child. */
function readInfo(child: ChildProcess, found: (pid: number) => void): void {
  const info = child.stdio[3];
  if (!info || !("setEncoding" in info)) return;
  let text = "";
  info.setEncoding("utf8");
  info.on("data", (chunk: string) => {
    text += chunk;
    const match = /"child-pid"\s*:\s*(\d+)/.exec(text);
    if (match?.[1]) found(Number(match[1]));
  });
}

/**
 * bwrap itself dies on SIGTERM and takes the assistant with it by SIGKILL, without a chance to
 * save anything: signals go to the assistant instead, found as the child of the sandbox's init.
 */
function forwardSignal(child: ChildProcess, init: number | undefined, signal: NodeJS.Signals): void {
  const assistant = init === undefined ? undefined : firstChild(init);
  try {
    if (assistant !== undefined) process.kill(assistant, signal);
    else child.kill(signal);
  } catch {
    child.kill(signal);
  }
}

function firstChild(pid: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/);
    const first = Number(children[0]);
    return Number.isInteger(first) && first > 0 ? first : undefined;
  } catch {
    return undefined;
  }
}

function symlinkTarget(path: string): string | undefined {
  try {
    return lstatSync(path).isSymbolicLink() ? readlinkSync(path) : undefined;
  } catch {
    return undefined;
  }
}

function resolvedOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function depth(path: string): number {
  return path.split(sep).filter(Boolean).length;
}
