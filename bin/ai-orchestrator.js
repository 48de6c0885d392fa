#!/usr/bin/env node
// Entry point. ai-orchestrator targets Node.js 24; on an older Node it re-runs itself on the
// pinned Node from the npm registry when that is installed beside it.
import module, { createRequire } from "node:module";

const major = Number(process.versions.node.split(".")[0]);
if (major < 24) {
  let pinned;
  try {
    pinned = createRequire(import.meta.url).resolve("node/bin/node");
  } catch {
    process.stderr.write(
      `ai-orchestrator: needs Node.js 24 or later, found ${process.versions.node}: install Node.js 24 LTS, or run \`npm install\` in the ai-orchestrator folder to fetch the pinned one\n`,
    );
    process.exit(2);
  }
  // Loaded here only: a launch on Node 24 may never need the child-process machinery at all.
  const { spawn } = await import("node:child_process");
  const child = spawn(pinned, [new URL(import.meta.url).pathname, ...process.argv.slice(2)], {
    stdio: "inherit",
  });
  // This process stays in the terminal's foreground group: a Ctrl-C reaches the child from the
  // terminal itself and must not kill this one, or the shell takes the terminal back while the
  // assistant still runs. Signals sent to this process alone are passed on.
  for (const signal of ["SIGINT", "SIGQUIT", "SIGTERM", "SIGHUP"]) {
    process.on(signal, () => {
      const fromTerminal = process.stdin.isTTY && (signal === "SIGINT" || signal === "SIGQUIT");
      if (!fromTerminal) child.kill(signal);
    });
  }
  child.on("error", (error) => {
    process.stderr.write(`ai-orchestrator: cannot start the pinned Node.js ${pinned}: ${error.message}\n`);
    process.exit(2);
  });
  const [code, signal] = await new Promise((resolve) => {
    child.on("close", (...result) => resolve(result));
  });
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
  process.exit(code ?? 1);
}

const argv = process.argv.slice(2);
const commandLine = scanCommandLine(argv);
const serving = commandLine.command === "serve";
if (serving) {
  // The hub reads its heap limits only at process start: it becomes itself again, once, with them
  // (same pid, so signals and the exit code stay its own), unless a heap flag was given already, or
  // a parent's IPC channel would be lost (whoever starts serve so gives the flags: src/hub/local-hub.ts).
  const { leanHubStart } = await import("../dist/hub/hub-process.js");
  const lean = process.execve && !process.channel && leanHubStart(process.execArgv, process.env);
  if (lean) {
    try {
      process.execve(
        process.execPath,
        [process.execPath, ...lean.nodeArgs, process.argv[1], ...argv],
        lean.env,
      );
    } catch (error) {
      process.stderr.write(`ai-orchestrator: warning: serving without heap limits (${error.message})\n`);
    }
  }
}
module.enableCompileCache?.();
// Output cut off by a reader that has read enough (`ai-orchestrator modes | head -1`) ends the
// command quietly, as any Unix filter does, instead of with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error) => {
    if (error.code !== "EPIPE") throw error;
    process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
  });
}
if (serving) {
  // The hub loads only what serving needs, not every command.
  const { serveMain } = await import("../dist/cli/serve.js");
  process.exitCode = await serveMain(argv);
} else {
  await launchOrRun(argv, commandLine);
}

/**
 * The global options before the command word (`--config F`, `--runtime R`, `--via-hub`), the
 * command word and the words after it: the one scan of them, whose result the launch path takes
 * (src/cli/launch.ts `launchFromCommandLine`). An option left without its value leaves no command.
 */
function scanCommandLine(words) {
  const options = {};
  for (let index = 0; index < words.length; index += 1) {
    const word = words[index];
    if (word === "--via-hub") {
      options.viaHub = true;
      continue;
    }
    const equals = word.indexOf("=");
    const flag = equals < 0 ? word : word.slice(0, equals);
    if (flag !== "--config" && flag !== "--runtime")
      return { options, command: word, args: words.slice(index + 1) };
    const value = equals < 0 ? words[++index] : word.slice(equals + 1);
    if (value === undefined) break;
    options[flag.slice(2)] = value;
  }
  return { options, command: undefined, args: [] };
}

async function launchOrRun(argv, commandLine) {
  // Launching a mode is the hot path: it loads only what launching needs, not every command, as one
  // bundled file (scripts/finish-dist.ts, part of `npm run build`).
  const { launchFromCommandLine } = await import("../dist/cli/launch.bundle.js");
  const launched = await launchFromCommandLine(commandLine);
  if (launched !== undefined) {
    process.exitCode = launched;
  } else {
    const { main } = await import("../dist/cli/main.js");
    process.exitCode = await main(argv);
  }
}
