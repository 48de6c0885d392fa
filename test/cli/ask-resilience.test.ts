// `ask` through the resilience layer, against the simulators: the fallback chain from config.yaml,
// the reason shown to the user, and a tripped circuit remembered by the next `ask` and by `providers`.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, beforeEach, test } from "node:test";
import { stringify } from "yaml";
import { type Simulators, startSimulators } from "../../src/simulators/index.ts";
import { runCli, temporaryHome } from "../support/cli.ts";
import { homeEnv } from "./home-env.ts";

let simulators: Simulators;
before(async () => {
  simulators = await startSimulators({ providers: ["zai", "moonshot"] });
});
after(() => simulators.close());
beforeEach(() => {
  simulators.faults.clear();
  simulators.clearRequests();
});

function setup(t: { after(fn: () => void): void }): NodeJS.ProcessEnv {
  const home = temporaryHome(t);
  const config = {
    providers: {
      zai: {
        baseUrl: simulators.endpoints.zai.baseUrl,
        policy: { retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 2, openMs: 120_000 } },
      },
      moonshot: { baseUrl: simulators.endpoints.moonshot.baseUrl },
    },
    resilience: { fallbacks: { zai: ["moonshot"] } },
  };
  writeFileSync(join(home, "config.yaml"), stringify(config));
  return homeEnv(home, { ZAI_API_KEY: "sk-zai-test-1", MOONSHOT_API_KEY: "sk-moonshot-test-1" });
}

const zaiRequests = () => simulators.requests().filter((request) => request.provider === "zai").length;

test("a failing provider hands the question to the next one in its chain, and says so", async (t) => {
  const env = setup(t);
  simulators.faults.inject("zai", { kind: "status", status: 503 });
  const result = await runCli(["ask", "--provider", "zai", "What is two plus two?"], { env });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /What is two plus two\?\n$/);
  const lines = result.stderr.trimEnd().split("\n");
  assert.match(lines[0] ?? "", /^ai-orchestrator: zai failed \(.*\); tried the next provider$/);
  assert.equal(lines[1], "ai-orchestrator: answered by moonshot");

  const json = await runCli(["ask", "--provider", "zai", "--json", "hi"], { env });
  const answer = JSON.parse(json.stdout);
  assert.equal(answer.provider, "moonshot");
  assert.equal(answer.fallbacks[0].provider, "zai");
  assert.equal(answer.fallbacks[0].kind, "overloaded");
  assert.match(answer.fallbacks[0].message, /overloaded/);
});

test("once the circuit is open, the next ask does not call the failing provider at all", async (t) => {
  const env = setup(t);
  simulators.faults.inject("zai", { kind: "status", status: 503 });
  await runCli(["ask", "--provider", "zai", "one"], { env });
  await runCli(["ask", "--provider", "zai", "two"], { env });
  const sent = zaiRequests();
  assert.equal(sent, 2);

  const third = await runCli(["ask", "--provider", "zai", "three"], { env });
  assert.equal(third.code, 0, third.stderr);
  assert.match(
    third.stderr,
    /zai failed \(provider zai is failing: circuit open for (\d+ min( \d+ s)?|1[01]\d s) more \(last error: overloaded 503/,
  );
  assert.equal(zaiRequests(), sent, "no request reached zai");

  const providers = await runCli(["providers", "--json"], { env });
  const zai = JSON.parse(providers.stdout).find((entry: { provider: string }) => entry.provider === "zai");
  assert.equal(zai.breaker, "open");
  assert.equal(zai.lastError.kind, "overloaded");
});

test("when every provider of the chain fails, one line names each and the exit code is 1", async (t) => {
  const env = setup(t);
  simulators.faults.inject("zai", { kind: "status", status: 503 });
  simulators.faults.inject("moonshot", { kind: "status", status: 401 });
  const result = await runCli(["ask", "--provider", "zai", "hello"], { env });
  assert.equal(result.code, 1);
  assert.equal(result.stdout, "");
  assert.equal(result.stderr.trimEnd().split("\n").length, 1, result.stderr);
  assert.match(result.stderr, /^ai-orchestrator: every provider failed \(zai: .*; moonshot: .*\)\n$/);
  assert.doesNotMatch(result.stderr, /sk-zai-test-1|sk-moonshot-test-1/);
});
