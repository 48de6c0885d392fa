// The rough edges a new user meets in the first hour: pipes, help, completion, an explicit config
// file that is not there, a model typo, a reset under a live session, an import that leaves
// entries out, and the JSON every scripting user reaches for.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { stringify } from "yaml";
import { dockerRuntime } from "../../src/runtimes/docker.ts";
import { type Simulators, startSimulators } from "../../src/simulators/index.ts";
import { BIN, runCli, runProgram, temporaryHome } from "../support/cli.ts";
import { assertNoContainersLeft, dockerUnavailable, testDockerConfig } from "../support/docker.ts";
import { sandboxFixture, specFor } from "../support/sandbox.ts";
import { requireService } from "../support/services.ts";
import { homeEnv } from "./home-env.ts";

let simulators: Simulators;
before(async () => {
  simulators = await startSimulators({ providers: ["zai", "moonshot"] });
});
after(() => simulators.close());

/** Runs `ai-orchestrator <args> | head -<lines>` in bash, with pipefail so our exit code shows. */
function piped(args: string, lines: number, env: NodeJS.ProcessEnv) {
  const command = `set -o pipefail; '${process.execPath}' '${BIN}' ${args} | head -${lines}`;
  return spawnSync("bash", ["-c", command], { env, encoding: "utf8" });
}

test("output into a pipe that closes early ends quietly: `modes | head -1`, `providers | head -4`", (t) => {
  const env = homeEnv(temporaryHome(t));
  for (const [args, lines] of [
    ["modes", 1],
    ["providers", 4],
    ["config schema", 2],
  ] as const) {
    const result = piped(args, lines, env);
    assert.equal(result.stderr, "", `${args}: ${result.stderr}`);
    assert.equal(result.status, 0, args);
    assert.equal(result.stdout.trimEnd().split("\n").length, lines, args);
  }
});

test("`help [command]` shows help instead of taking help for a mode; --help is grouped and explains launching", async (t) => {
  const env = homeEnv(temporaryHome(t));
  const reset = await runCli(["help", "reset"], { env });
  assert.equal(reset.code, 0, reset.stderr);
  assert.match(reset.stdout, /^Usage: ai-orchestrator reset \[options\] <mode>/);
  assert.match(reset.stdout, /--stop/);

  const help = await runCli(["help"], { env });
  assert.equal(help.code, 0, help.stderr);
  for (const heading of [
    "Getting started:",
    "Modes and their state:",
    "Hub (chat and files across providers):",
  ]) {
    assert.match(help.stdout, new RegExp(`^${heading.replace(/[()]/g, "\\$&")}$`, "m"));
  }
  assert.match(help.stdout, /^ {2}help \[command\.\.\.\] +show help for a command$/m);
  assert.match(help.stdout, /every argument after the mode name goes to the\s+assistant untouched/);
  assert.match(help.stdout, /<mode> start\|stop\|restart\|status\|logs/);
  for (const runtime of ["auto", "docker", "bwrap", "process"]) {
    assert.match(help.stdout, new RegExp(`^ {2}${runtime} +\\S`, "m"), runtime);
  }
  assert.equal((await runCli(["--help"], { env })).stdout, help.stdout);
});

test("completion for bash, zsh and fish offers the commands and the modes, config.yaml's included", async (t) => {
  const home = temporaryHome(t);
  writeFileSync(
    join(home, "config.yaml"),
    stringify({ modes: { "glm-air": { cli: "claude", provider: "zai" } } }),
  );
  const env = homeEnv(home);
  const scripts: Record<string, string> = {};
  for (const shell of ["bash", "zsh", "fish"]) {
    const result = await runCli(["completion", shell], { env });
    assert.equal(result.code, 0, result.stderr);
    scripts[shell] = result.stdout;
  }
  // Each shell's own completion machinery, asked as a person pressing Tab would.
  const bash = (line: string) =>
    spawnSync(
      "bash",
      [
        "-c",
        `${scripts.bash}\nCOMP_WORDS=(${line}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _ai_orchestrator; printf '%s\\n' "\${COMPREPLY[@]}"`,
      ],
      { encoding: "utf8" },
    ).stdout.split("\n");
  assert.ok(bash("ai-orchestrator gl").includes("glm-air"));
  assert.ok(bash("ai-orchestrator gl").includes("glm"));
  assert.ok(bash("aio doc").includes("doctor"));
  assert.deepEqual(bash("ai-orchestrator --runtime b").filter(Boolean), ["bwrap"]);
  assert.deepEqual(bash("ai-orchestrator kimi st").filter(Boolean), ["start", "stop", "status"]);
  assert.deepEqual(bash("ai-orchestrator reset glm-").filter(Boolean), ["glm-air"]);
  assert.deepEqual(bash("ai-orchestrator completion f").filter(Boolean), ["fish"]);

  const fish = (line: string) =>
    spawnSync("fish", ["--no-config", "-c", `${scripts.fish}\ncomplete -C '${line}'`], { encoding: "utf8" });
  const fishModes = fish("ai-orchestrator glm-");
  if (requireService(t, "fish", fishModes.error?.message)) {
    assert.match(fishModes.stdout, /^glm-air\b/m);
    assert.match(fish("aio glm st").stdout, /^start\b/m);
  }

  const zsh = spawnSync(
    "zsh",
    ["-f", "-c", `${scripts.zsh}\nprint -r -- \${_comps[ai-orchestrator]} \${_comps[aio]}`],
    {
      encoding: "utf8",
    },
  );
  if (requireService(t, "zsh", zsh.error?.message)) {
    assert.equal(zsh.stderr, "");
    assert.match(zsh.stdout, /_bash_complete.*_bash_complete/, "zsh registers the completion for both names");
  }
});

test("a --config or AI_ORCHESTRATOR_CONFIG file that does not exist is an error, never the defaults", async (t) => {
  const home = temporaryHome(t);
  const env = homeEnv(home, { ZAI_API_KEY: "zai-key" });
  const missing = join(home, "confg.yaml");
  const expected = `ai-orchestrator: ${missing}: does not exist (named by --config or AI_ORCHESTRATOR_CONFIG): correct the path, or create the file with \`ai-orchestrator init\`; run \`ai-orchestrator config check\` to see every problem\n`;
  for (const [args, extra] of [
    [["--config", missing, "glm", "-p", "hi"], {}],
    [["--config", missing, "modes"], {}],
    [["glm", "-p", "hi"], { AI_ORCHESTRATOR_CONFIG: missing }],
    [["ask", "--provider", "zai", "hi"], { AI_ORCHESTRATOR_CONFIG: missing }],
  ] as const) {
    const result = await runCli(args, { env: { ...env, ...extra } });
    assert.equal(result.code, 2, args.join(" "));
    assert.equal(result.stderr, expected, args.join(" "));
    assert.equal(result.stdout, "");
  }
  const check = await runCli(["--config", missing, "config", "check", "--json"], { env });
  assert.equal(check.code, 2);
  const report = JSON.parse(check.stdout);
  assert.equal(report.exists, false);
  assert.match(report.problems[0].message, /does not exist/);
  // Without a name, a missing file still means the defaults, as on a first run.
  assert.equal((await runCli(["config", "check"], { env })).code, 0);
});

test("a model that does not exist is the caller's error: no fallback to another provider, exit non-zero", async (t) => {
  const home = temporaryHome(t);
  const config = {
    providers: {
      zai: { baseUrl: simulators.endpoints.zai.baseUrl },
      moonshot: { baseUrl: simulators.endpoints.moonshot.baseUrl },
    },
    resilience: { fallbacks: { zai: ["moonshot"], moonshot: ["zai"] } },
  };
  writeFileSync(join(home, "config.yaml"), stringify(config));
  const env = homeEnv(home, { ZAI_API_KEY: "zai-key", MOONSHOT_API_KEY: "moonshot-key" });
  // Moonshot answers an unknown model with 404; Z.ai with 400 and its code 1211 ("Unknown Model").
  for (const [provider, model] of [
    ["moonshot", "kimi-k2.5-typo"],
    ["zai", "gml-4.7"],
  ] as const) {
    simulators.clearRequests();
    const result = await runCli(["ask", "--provider", provider, "--model", model, "hi"], { env });
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stdout, "");
    assert.doesNotMatch(result.stderr, /answered by|tried the next provider/);
    assert.equal(result.stderr.trimEnd().split("\n").length, 1, result.stderr);
    assert.match(result.stderr, /\(not_found, HTTP 40[04]\)/);
    assert.deepEqual(
      simulators.requests().map((request) => request.provider),
      [provider],
      "no other provider was asked",
    );
  }
});

test("the `claude --resume <id>` Claude Code prints after a glm session resumes it in glm, saying so", async (t) => {
  const fixture = sandboxFixture(t);
  const config = {
    runtime: "process",
    providers: { zai: { anthropicBaseUrl: simulators.endpoints.zai.anthropicBaseUrl } },
  };
  writeFileSync(join(fixture.home, "config.yaml"), stringify(config));
  const env = {
    ...homeEnv(fixture.home, { ZAI_API_KEY: "zai-key" }),
    PATH: `${join(import.meta.dirname, "..", "..", "node_modules", ".bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`,
  };
  const first = await runCli(["glm", "-p", "Remember the number 7"], { env, cwd: fixture.workspace });
  assert.equal(first.code, 0, first.stderr);
  const projects = join(fixture.home, "state", "glm", ".claude", "projects");
  const transcripts = readdirSync(projects).flatMap((folder) => readdirSync(join(projects, folder)));
  const id = transcripts.find((name) => name.endsWith(".jsonl"))?.replace(/\.jsonl$/, "");
  assert.ok(id, "the glm session left a transcript");

  // No Anthropic key at all: had it run in the claude mode, it would stop for want of one.
  const resumed = await runCli(["claude", "--resume", id, "-p", "Which number?"], {
    env,
    cwd: fixture.workspace,
  });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(
    resumed.stderr,
    new RegExp(`^ai-orchestrator: warning: session ${id} belongs to mode glm: resuming it there$`, "m"),
  );
  assert.match(resumed.stdout, /Simulated Z\.ai reply to: Which number\?/);
  assert.doesNotMatch(first.stderr + resumed.stderr, /doesn't recognize the model/);
});

test("init --import names every entry it leaves out: the env block, apiKeyHelper", async (t) => {
  const home = temporaryHome(t);
  const userHome = temporaryHome(t);
  mkdirSync(join(userHome, ".claude"));
  const settings = join(userHome, ".claude", "settings.json");
  writeFileSync(
    settings,
    JSON.stringify({ theme: "dark", env: { ANTHROPIC_BASE_URL: "https://x" }, apiKeyHelper: "/bin/key" }),
  );
  const env = homeEnv(home, { HOME: userHome });
  const result = await runCli(["init", "--import"], { env });
  assert.equal(result.code, 0, result.stderr);
  for (const key of ["env", "apiKeyHelper"]) {
    assert.match(
      result.stdout,
      new RegExp(
        `^skipped  ${settings}: ${key} holds credentials, endpoints or credential helpers; not imported$`,
        "m",
      ),
    );
  }
  const json = JSON.parse((await runCli(["init", "--import", "--json"], { env })).stdout);
  const glm = json.modes.find((entry: { mode: string }) => entry.mode === "glm");
  assert.equal(glm.skipped.filter((line: string) => /: (env|apiKeyHelper) holds/.test(line)).length, 2);
  assert.equal(json.createdConfig, false);
});

test("reset, restore --list and install-clis --dry-run answer in JSON when asked", async (t) => {
  const env = homeEnv(temporaryHome(t));
  const reset = await runCli(["reset", "glm", "--json"], { env });
  assert.equal(reset.code, 0, reset.stderr);
  const first = JSON.parse(reset.stdout);
  assert.equal(first.mode, "glm");
  assert.equal(first.backup, null);
  const second = JSON.parse((await runCli(["reset", "glm", "--json"], { env })).stdout);
  assert.match(second.undo, /^ai-orchestrator restore glm /);
  const list = JSON.parse((await runCli(["restore", "glm", "--list", "--json"], { env })).stdout);
  assert.equal(list.length, 1);
  assert.equal(list[0].path, second.backup);
  const dryRun = JSON.parse((await runCli(["install-clis", "--dry-run", "--json"], { env })).stdout);
  assert.equal(dryRun.status, "would install");
  assert.deepEqual(
    dryRun.clis.map((entry: { cli: string }) => entry.cli),
    ["claude", "gemini"],
  );
});

test("reset while the mode's docker session runs is refused; --stop stops it first, saying so", async (t) => {
  const fixture = sandboxFixture(t);
  if (!requireService(t, "docker", await dockerUnavailable(fixture.paths))) return;
  t.after(() => assertNoContainersLeft(fixture.home));
  writeFileSync(join(fixture.home, "config.yaml"), stringify({ docker: { network: "host" } }));
  const runtime = dockerRuntime({
    config: testDockerConfig(),
    paths: fixture.paths,
    workspace: fixture.workspace,
  });
  const started = await runtime.sessions.start(specFor(fixture, "glm", { key: "zai-key" }));
  assert.equal(started.state, "running");
  const env = homeEnv(fixture.home);

  const refused = await runCli(["reset", "glm"], { env, cwd: fixture.workspace });
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /^ai-orchestrator: the glm mode is running in docker \(aio-glm-\w+ in .*\), which would keep writing the state being reset: stop it with `ai-orchestrator glm stop` in that workspace, or run `ai-orchestrator reset glm --stop`\n$/,
  );
  assert.equal((await runtime.sessions.status("glm")).state, "running", "the session was left alone");

  const stopped = await runCli(["reset", "glm", "--stop"], { env, cwd: fixture.workspace });
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.match(stopped.stdout, /^stopping aio-glm-\w+ \(the glm session in .*\) before the reset$/m);
  assert.equal((await runtime.sessions.status("glm")).state, "stopped");
});

test("--runtime docker: the refusal on an unknown docker network is in `doctor` too, not an ok beside it", async (t) => {
  const home = temporaryHome(t);
  writeFileSync(join(home, "config.yaml"), stringify({ docker: { network: "no-such-network-aio" } }));
  const env = homeEnv(home);
  const fixture = sandboxFixture(t);
  if (!requireService(t, "docker", await dockerUnavailable(fixture.paths))) return;
  const result = await runProgram(process.execPath, [BIN, "doctor", "--json"], { env });
  const report = JSON.parse(result.stdout);
  const docker = report.runtimes.find((entry: { name: string }) => entry.name === "docker");
  assert.equal(docker.available, false);
  const checks = report.checks.filter((check: { topic: string }) => check.topic === "docker");
  assert.ok(
    checks.some(
      (check: { status: string; message: string }) =>
        check.status === "warn" && /no network "no-such-network-aio"/.test(check.message),
    ),
    JSON.stringify(checks),
  );
});

test("a key file that cannot be read is reported as such, not as a key that is not set", async (t) => {
  const home = temporaryHome(t);
  // A folder where the key file should be: unreadable as a file even by root, who reads any mode.
  mkdirSync(join(home, "secrets", "zai"), { recursive: true });
  const env = homeEnv(home);
  const launch = await runCli(["--runtime", "process", "glm", "-p", "hi"], { env });
  assert.equal(launch.code, 1);
  assert.equal(
    launch.stderr,
    `ai-orchestrator: the key file ${join(home, "secrets", "zai")} cannot be read (EISDIR): make it readable by you (\`chmod 600\`, owned by you), or store the key again with \`ai-orchestrator login zai\`\n`,
  );
  const modes = JSON.parse((await runCli(["modes", "--json"], { env })).stdout);
  const glm = modes.find((row: { mode: string }) => row.mode === "glm");
  assert.equal(glm.credential.set, false);
  assert.match(glm.credential.source, /cannot be read \(EISDIR\)/);
});

test("doctor --workspace naming no folder fails, naming it", async (t) => {
  const env = homeEnv(temporaryHome(t));
  const result = await runCli(["doctor", "--workspace", "/nonexistent-aio-folder", "--json"], { env });
  assert.equal(result.code, 1);
  const report = JSON.parse(result.stdout);
  assert.ok(
    report.checks.some(
      (check: { status: string; message: string }) =>
        check.status === "fail" && check.message.startsWith("/nonexistent-aio-folder is not a directory"),
    ),
  );
});
