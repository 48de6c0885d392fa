// Starting a mode in the home folder, whose `.ai-orchestrator` holds every key and every mode's
// state: bwrap and docker run it with that folder masked; the process runtime, which cannot hide
// it, refuses and says why. The "assistant" is a script that looks for the keys.
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { resolvePaths } from "../../src/config/paths.ts";
import { probeBwrap } from "../../src/runtimes/bwrap.ts";
import { dockerRuntime } from "../../src/runtimes/docker.ts";
import { homeEnv } from "../cli/home-env.ts";
import { runCli } from "../support/cli.ts";
import { assertNoContainersLeft, dockerUnavailable, testDockerConfig } from "../support/docker.ts";
import { specFor } from "../support/sandbox.ts";
import { scratchDirectory } from "../support/scratch.ts";
import { requireService } from "../support/services.ts";

const SECRET = "zai-home-folder-secret-0001";
/** Lists what the sandbox shows of the orchestrator's home, and tries to read the stored key. */
const LOOK = `ls -A "$PWD/.ai-orchestrator" | tr '\\n' ' '; echo; cat "$PWD/.ai-orchestrator/secrets/zai" 2>&1; ls "$PWD"; echo done`;

interface HomeFolder {
  /** The person's home folder: the workspace. */
  folder: string;
  /** ai-orchestrator's home inside it. */
  home: string;
}

function homeFolder(t: TestContext): HomeFolder {
  const folder = scratchDirectory(t, "aio-user-home-");
  const home = join(folder, ".ai-orchestrator");
  mkdirSync(join(home, "secrets"), { recursive: true, mode: 0o700 });
  writeFileSync(join(home, "secrets", "zai"), `${SECRET}\n`, { mode: 0o600 });
  writeFileSync(join(folder, "notes.txt"), "the person's own file\n");
  const bin = join(home, "clis", "bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, "claude"), `#!/bin/sh\n${LOOK}\n`);
  chmodSync(join(bin, "claude"), 0o755);
  return { folder, home };
}

function assertHidden(output: string): void {
  assert.match(output, /done\n/, output);
  assert.equal(output.includes(SECRET), false, "the stored key was readable in the sandbox");
  assert.doesNotMatch(output.split("\n")[0] ?? "", /\bsecrets\b/, "the secrets folder was listed");
  assert.match(output, /secrets\/zai: No such file or directory/);
  assert.match(output, /notes\.txt/, "the rest of the home folder is the workspace");
}

test("process: a launch from the home folder is refused, saying why and what works", async (t) => {
  const { folder, home } = homeFolder(t);
  const result = await runCli(["--runtime", "process", "glm", "-p", "hi"], {
    cwd: folder,
    env: homeEnv(home),
  });
  assert.equal(result.code, 2, result.stderr);
  assert.equal(result.stdout, "");
  assert.match(
    result.stderr,
    /^ai-orchestrator: the workspace .* holds ai-orchestrator's home .*\.ai-orchestrator .*which the process runtime cannot hide from the assistant: run from a project directory, or use `--runtime bwrap` or `--runtime docker`, which mask it\n$/,
  );
});

test("bwrap: a launch from the home folder runs, with ai-orchestrator's home masked", async (t) => {
  const probe = probeBwrap();
  if (!requireService(t, "bubblewrap", probe.available ? undefined : probe.reason)) return;
  const { folder, home } = homeFolder(t);
  const result = await runCli(["--runtime", "bwrap", "glm", "-p", "hi"], { cwd: folder, env: homeEnv(home) });
  assert.equal(result.code, 0, result.stderr);
  assertHidden(result.stdout);
});

test("docker: a launch from the home folder runs, with ai-orchestrator's home masked", async (t) => {
  const { folder, home } = homeFolder(t);
  const paths = resolvePaths({ env: { AI_ORCHESTRATOR_HOME: home } });
  if (!requireService(t, "docker", await dockerUnavailable(paths))) return;
  t.after(() => assertNoContainersLeft(home));
  const runtime = dockerRuntime({
    config: testDockerConfig(),
    paths,
    workspace: folder,
    command: () => ["sh", "-c", LOOK.replaceAll("$PWD", "/workspace")],
  });
  const spec = specFor({ home, workspace: folder, paths }, "glm", { key: SECRET });
  assert.deepEqual(spec.hidden, [home]);
  const result = await runtime.run(spec, { stdio: "pipe" });
  assert.equal(result.exitCode, 0, result.stderr);
  assertHidden(result.stdout ?? "");
});
