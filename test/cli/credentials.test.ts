import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { BIN, runCli, temporaryHome } from "../support/cli.ts";
import { requireService } from "../support/services.ts";
import { homeEnv } from "./home-env.ts";

const KEY = "sk-canary-login-5d1f0b";

function permissions(path: string): number {
  return statSync(path).mode & 0o777;
}

test("login reads the key from piped stdin into a 0600 file in a 0700 folder, and never prints it", async (t) => {
  const home = temporaryHome(t);
  const result = await runCli(["login", "zai"], { env: homeEnv(home), input: `${KEY}\n` });
  assert.equal(result.code, 0, result.stderr);
  const file = join(home, "secrets", "zai");
  assert.equal(readFileSync(file, "utf8").trim(), KEY);
  assert.equal(permissions(file), 0o600);
  assert.equal(permissions(join(home, "secrets")), 0o700);
  assert.equal(permissions(home), 0o700);
  assert.match(result.stdout, /used by mode glm/);
  assert.ok(!result.stdout.includes(KEY) && !result.stderr.includes(KEY), "the key is never printed");
});

test("login accepts a provider defined in config.yaml, and logout removes the key", async (t) => {
  const home = temporaryHome(t);
  writeFileSync(
    join(home, "config.yaml"),
    "providers:\n  kimi-coding:\n    extends: moonshot\n    anthropicBaseUrl: https://api.kimi.com/coding/\n" +
      "modes:\n  kimi-code:\n    cli: claude\n    provider: kimi-coding\n",
  );
  const env = homeEnv(home);
  const login = await runCli(["login", "kimi-coding"], { env, input: KEY });
  assert.equal(login.code, 0, login.stderr);
  assert.match(login.stdout, /used by mode kimi-code/);
  assert.ok(existsSync(join(home, "secrets", "kimi-coding")));

  const logout = await runCli(["logout", "kimi-coding"], { env });
  assert.equal(logout.code, 0);
  assert.match(logout.stdout, /Removed the stored kimi-coding key/);
  assert.ok(!existsSync(join(home, "secrets", "kimi-coding")));
  const again = await runCli(["logout", "kimi-coding"], { env });
  assert.match(again.stdout, /nothing to remove/);
});

test("login says when the provider's variable is set and wins over the file", async (t) => {
  const home = temporaryHome(t);
  const result = await runCli(["login", "moonshot"], {
    env: homeEnv(home, { MOONSHOT_API_KEY: "sk-from-env" }),
    input: KEY,
  });
  assert.equal(result.code, 0);
  assert.match(result.stdout, /MOONSHOT_API_KEY is set in this shell and takes precedence/);
  assert.ok(!result.stdout.includes("sk-from-env"));
});

test("login refuses an unknown provider, an empty key and a multi-line input, in one line each", async (t) => {
  const home = temporaryHome(t);
  const env = homeEnv(home);
  const cases: [string[], string, RegExp][] = [
    [
      ["login", "openai"],
      KEY,
      /unknown provider "openai"; known providers: anthropic, google, zai, moonshot/,
    ],
    [["login", "zai"], "  \n", /no key given/],
    [["login", "zai"], `${KEY}\nsecond line\n`, /spaces or line breaks/],
    [["logout", "nope"], "", /unknown provider "nope"/],
    [["login", "constructor"], KEY, /unknown provider "constructor"; known providers/],
  ];
  for (const [args, input, message] of cases) {
    const result = await runCli(args, { env, input });
    assert.notEqual(result.code, 0, args.join(" "));
    assert.match(result.stderr, message);
    assert.equal(result.stderr.trim().split("\n").length, 1, "one line, no stack trace");
    assert.ok(!result.stderr.includes(KEY));
  }
  assert.ok(!existsSync(join(home, "secrets", "zai")), "nothing was stored");
});

test("login at a terminal reads the key with echo off", async (t) => {
  const missing = existsSync("/usr/bin/script")
    ? undefined
    : "util-linux `script` (for a pseudo-terminal) is not installed";
  if (!requireService(t, "script", missing)) return;
  const home = temporaryHome(t);
  // `script` gives the CLI a real pseudo-terminal; its output is everything the terminal would show.
  const child = spawn("script", ["-qec", `${process.execPath} ${BIN} login zai`, "/dev/null"], {
    env: homeEnv(home),
    stdio: ["pipe", "pipe", "pipe"],
  });
  let screen = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    screen += chunk;
    // Type only once the prompt is up: raw mode is on by then, so the terminal does not echo.
    if (screen.includes("(input hidden)") && child.stdin.writable) child.stdin.end(`${KEY}\r`);
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  assert.equal(code, 0, screen);
  assert.match(screen, /Saved the zai key/);
  assert.ok(!screen.includes(KEY), `the key must not appear on the terminal: ${JSON.stringify(screen)}`);
  assert.equal(readFileSync(join(home, "secrets", "zai"), "utf8").trim(), KEY);
});
