// What the docker runtime hands the engine, checked without an engine: the container's command
// line never holds a secret, mounts exactly the state root and the workspace, and carries the
// security flags and limits; secrets survive the trip through a real shell byte for byte.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import {
  CONTAINER_HOME,
  CONTAINER_PATH,
  CONTAINER_WORKSPACE,
  containerEnv,
  createArgs,
  execEnvArgs,
  execProgram,
  secretsText,
  sessionName,
  signalProgram,
} from "../../src/runtimes/docker-container.ts";
import { buildArgs, DOCKER_DIR, PINNED } from "../../src/runtimes/docker-image.ts";
import { CANARIES, configFrom, HOSTILE_ENV, sandboxFixture, specFor } from "../support/sandbox.ts";
import { removeScratch } from "../support/scratch.ts";

const USER = { uid: 4321, gid: 4321 };

function argsFor(t: TestContext, mode: string, key: string, cli: "docker" | "podman" = "docker") {
  const fixture = sandboxFixture(t);
  const spec = specFor(fixture, mode, { key, hostEnv: { ...HOSTILE_ENV, PATH: "/usr/bin:/bin" } });
  const config = configFrom({ docker: { cli, memory: "3g", cpus: 1.5, pidsLimit: 256, network: "none" } });
  const args = createArgs(spec, {
    name: sessionName(mode, spec.stateRoot, spec.workspace),
    kind: "session",
    config: config.docker,
    user: USER,
    home: fixture.home,
    attach: ["--detach"],
  });
  return { spec, args, home: fixture.home };
}

function valuesOf(args: readonly string[], flag: string): string[] {
  return args.flatMap((arg, index) =>
    arg === flag && args[index + 1] !== undefined ? [args[index + 1] ?? ""] : [],
  );
}

test("no key appears anywhere on the command lines the runtime gives the engine", (t) => {
  for (const [mode, key] of [
    ["claude", CANARIES.ANTHROPIC_API_KEY],
    ["gemini", CANARIES.GEMINI_API_KEY],
    ["glm", CANARIES.ZAI_API_KEY],
    ["kimi", CANARIES.MOONSHOT_API_KEY],
  ] as const) {
    const { spec, args } = argsFor(t, mode, key);
    const everything = [
      ...args,
      ...execEnvArgs(spec),
      ...execProgram("run1", [spec.cli, ...spec.args]),
      ...signalProgram("run1", "SIGTERM"),
    ].join("\n");
    for (const [name, value] of Object.entries(HOSTILE_ENV)) {
      assert.equal(everything.includes(value), false, `${mode}: ${name} on a command line`);
    }
    // The mode's own key goes only into the secrets text the container reads from its stdin.
    assert.match(secretsText(containerEnv(spec).secret), new RegExp(key));
  }
});

test("a container mounts exactly its mode's state root as HOME and the workspace, with a read-only root", (t) => {
  const { spec, args } = argsFor(t, "glm", CANARIES.ZAI_API_KEY);
  assert.deepEqual(valuesOf(args, "--mount"), [
    `type=bind,source=${spec.stateRoot},target=${CONTAINER_HOME}`,
    `type=bind,source=${spec.workspace},target=${CONTAINER_WORKSPACE}`,
  ]);
  assert.equal(valuesOf(args, "--volume").length + valuesOf(args, "-v").length, 0);
  for (const flag of ["--read-only", "--init"]) assert.ok(args.includes(flag), flag);
  assert.deepEqual(valuesOf(args, "--cap-drop"), ["ALL"]);
  assert.deepEqual(valuesOf(args, "--security-opt"), ["no-new-privileges"]);
  assert.deepEqual(valuesOf(args, "--memory"), ["3g"]);
  assert.deepEqual(valuesOf(args, "--cpus"), ["1.5"]);
  assert.deepEqual(valuesOf(args, "--pids-limit"), ["256"]);
  assert.deepEqual(valuesOf(args, "--network"), ["none"]);
  assert.deepEqual(valuesOf(args, "--user"), ["4321:4321"]);
  assert.equal(args.includes("--userns"), false, "docker takes no per-container --userns=private");
});

test("podman keeps the person's own uid inside when rootless", (t) => {
  const { args } = argsFor(t, "claude", CANARIES.ANTHROPIC_API_KEY, "podman");
  assert.deepEqual(valuesOf(args, "--userns"), ["keep-id"]);
});

test("a container path on a comma is quoted for --mount's CSV rather than split", (t) => {
  const fixture = sandboxFixture(t);
  const spec = { ...specFor(fixture, "claude"), workspace: '/tmp/a,b"c' };
  const args = createArgs(spec, {
    name: "n",
    kind: "oneshot",
    config: configFrom({}).docker,
    user: USER,
    home: fixture.home,
    attach: [],
  });
  assert.ok(args.includes(`type=bind,"source=/tmp/a,b""c",target=${CONTAINER_WORKSPACE}`));
});

test("inside, host paths of the state root and workspace become their mount points, and PATH the image's", (t) => {
  const fixture = sandboxFixture(t);
  const spec = specFor(fixture, "claude", { key: CANARIES.ANTHROPIC_API_KEY });
  const gemini = specFor(fixture, "gemini", { key: CANARIES.GEMINI_API_KEY });
  const env = containerEnv(spec);
  assert.equal(env.plain.CLAUDE_CONFIG_DIR, `${CONTAINER_HOME}/.claude`);
  assert.equal(containerEnv(gemini).plain.GEMINI_CLI_HOME, CONTAINER_HOME);
  assert.equal(env.plain.HOME, CONTAINER_HOME);
  assert.equal(env.plain.PWD, CONTAINER_WORKSPACE);
  assert.equal(env.plain.PATH, CONTAINER_PATH);
  assert.deepEqual(env.secret, { ANTHROPIC_API_KEY: CANARIES.ANTHROPIC_API_KEY });
  assert.equal(JSON.stringify(env.plain).includes(fixture.home), false, "no host path of the home inside");
});

test("a secret with quotes, spaces, dollars and newlines reaches the shell inside unchanged", () => {
  const directory = mkdtempSync(join(tmpdir(), "aio-secrets-"));
  try {
    const value = `it's a "key" with $HOME, \`backticks\`, \\ and\nnew lines`;
    const file = join(directory, "env");
    writeFileSync(file, secretsText({ TRICKY_KEY: value }), { mode: 0o600 });
    const result = spawnSync("sh", ["-c", 'set -a; . "$1"; set +a; printf %s "$TRICKY_KEY"', "sh", file], {
      env: {},
      encoding: "utf8",
    });
    assert.equal(result.stdout, value);
    assert.throws(() => secretsText({ "BAD NAME": "x" }), /cannot be passed/);
  } finally {
    removeScratch(directory);
  }
});

test("the same mode and workspace is one container; another mode or workspace is another", () => {
  const name = sessionName("glm", "/h/state/glm", "/w/project");
  assert.match(name, /^aio-glm-[0-9a-f]{12}$/);
  assert.equal(sessionName("glm", "/h/state/glm", "/w/project"), name);
  assert.notEqual(
    sessionName("kimi", "/h/state/kimi", "/w/project"),
    sessionName("glm", "/h/state/glm", "/w/project"),
  );
  assert.notEqual(sessionName("glm", "/h/state/glm", "/w/other"), name);
  assert.notEqual(sessionName("glm", "/other-home/state/glm", "/w/project"), name);
});

test("the Dockerfile's defaults, the versions the image is labelled with and package.json pin the same CLIs", () => {
  const dockerfile = readFileSync(join(DOCKER_DIR, "Dockerfile"), "utf8");
  const manifest: unknown = JSON.parse(readFileSync(join(DOCKER_DIR, "..", "package.json"), "utf8"));
  assert.ok(typeof manifest === "object" && manifest !== null && "devDependencies" in manifest);
  const dev = manifest.devDependencies;
  assert.ok(typeof dev === "object" && dev !== null);
  assert.deepEqual(
    [...dockerfile.matchAll(/^ARG CLAUDE_CODE_VERSION=(.+)$/gm)].map((match) => match[1]),
    [PINNED["claude-code"], PINNED["claude-code"]],
  );
  assert.deepEqual(
    [...dockerfile.matchAll(/^ARG GEMINI_CLI_VERSION=(.+)$/gm)].map((match) => match[1]),
    [PINNED["gemini-cli"], PINNED["gemini-cli"]],
  );
  assert.match(dockerfile, new RegExp(`^ARG IMAGE_VERSION=${PINNED["image-version"]}$`, "m"));
  assert.deepEqual(
    Object.entries(dev).filter(
      ([name]) => name === "@anthropic-ai/claude-code" || name === "@google/gemini-cli",
    ),
    [
      ["@anthropic-ai/claude-code", PINNED["claude-code"]],
      ["@google/gemini-cli", PINNED["gemini-cli"]],
    ],
  );
  const args = buildArgs({ image: "x:1", stdio: "pipe" }, "/ctx");
  assert.ok(args.includes(`CLAUDE_CODE_VERSION=${PINNED["claude-code"]}`));
  assert.ok(args.includes("BASE_IMAGE=node:24-slim"));
});
