// `ai-orchestrator ask` as a user runs it, against the simulators: streamed text, --json, --file
// per provider, failures as one line (or one JSON object) and a non-zero exit.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { stringify } from "yaml";
import { PROVIDER_APIS, type ProviderApi } from "../../src/config/schema/providers.ts";
import { PROVIDER_DEFINITIONS } from "../../src/providers/definitions.ts";
import { type Simulators, startSimulators } from "../../src/simulators/index.ts";
import { BIN, runCli, runProgram, temporaryHome } from "../support/cli.ts";
import { requireService } from "../support/services.ts";
import { scriptMissing } from "../support/terminal.ts";
import { homeEnv } from "./home-env.ts";

const KEY = "sk-ask-test-key-4242";

describe("ask", () => {
  let simulators: Simulators;
  let home = "";

  before(async () => {
    simulators = await startSimulators({
      keys: Object.fromEntries(PROVIDER_APIS.map((api) => [api, [KEY]])),
    });
  });
  after(async () => {
    simulators.faults.clear();
    await simulators.close();
  });

  const setup = (t: { after(fn: () => void): void }): void => {
    home = temporaryHome(t);
    const providers = Object.fromEntries(
      PROVIDER_APIS.map((api) => [api, { baseUrl: simulators.endpoints[api].baseUrl }]),
    );
    writeFileSync(join(home, "config.yaml"), stringify({ providers }));
  };
  const env = (api: ProviderApi): NodeJS.ProcessEnv =>
    homeEnv(home, { [PROVIDER_DEFINITIONS[api].credentialEnv[0] ?? ""]: KEY });

  for (const api of PROVIDER_APIS) {
    it(`${api}: prints the answer, and with --json one object with text and usage`, async (t) => {
      setup(t);
      const plain = await runCli(["ask", "--provider", api, "What is two plus two?"], { env: env(api) });
      assert.equal(plain.code, 0, plain.stderr);
      assert.match(plain.stdout, /What is two plus two\?\n$/, "the simulated answer echoes the prompt");
      assert.equal(plain.stderr, "");

      const json = await runCli(["ask", "--provider", api, "--json", "What is two plus two?"], {
        env: env(api),
      });
      assert.equal(json.code, 0, json.stderr);
      const result = JSON.parse(json.stdout);
      assert.equal(result.provider, api);
      assert.equal(typeof result.model, "string");
      assert.equal(`${result.text}\n`, plain.stdout);
      assert.equal(result.finishReason, "stop");
      assert.ok(result.usage.inputTokens > 0 && result.usage.outputTokens > 0);
      assert.ok(!json.stdout.includes(KEY) && !plain.stdout.includes(KEY));
    });
  }

  it("--model routes by name (provider/model or a known prefix); --provider with --model asks that provider", async (t) => {
    setup(t);
    const keys = { ...env("zai"), ...env("google") };
    for (const [args, provider, model] of [
      [["--model", "google/gemini-2.5-flash-lite"], "google", "gemini-2.5-flash-lite"],
      [["--model", "glm-4.5-air"], "zai", "glm-4.5-air"],
      [["--provider", "zai", "--model", "glm-4.5-air"], "zai", "glm-4.5-air"],
      [["--provider", "zai"], "zai", "glm-4.6"],
    ] as const) {
      const result = await runCli(["ask", ...args, "--json", "hi"], { env: keys });
      assert.equal(result.code, 0, result.stderr);
      const answer = JSON.parse(result.stdout);
      assert.equal(answer.provider, provider);
      assert.equal(answer.model, model);
    }

    const unknown = await runCli(["ask", "--model", "gpt-4o", "hi"], { env: keys });
    assert.equal(unknown.code, 2);
    assert.match(
      unknown.stderr,
      /^ai-orchestrator: unknown model "gpt-4o": name it as provider\/model .*\n$/,
    );
    const neither = await runCli(["ask", "hi"], { env: keys });
    assert.equal(neither.code, 2);
    assert.equal(neither.stderr, "ai-orchestrator: ask needs --model <model> or --provider <id>\n");
  });

  it("an empty or blank prompt is refused in one line before anything is sent", async (t) => {
    setup(t);
    simulators.clearRequests();
    for (const prompt of ["", "  \n\t"]) {
      const result = await runCli(["ask", "--provider", "zai", prompt], { env: env("zai") });
      assert.equal(result.code, 2, JSON.stringify(prompt));
      assert.equal(result.stdout, "");
      assert.equal(
        result.stderr,
        'ai-orchestrator: the prompt is empty: say what to ask, e.g. ask --provider zai "explain this error"\n',
      );
    }
    assert.equal(simulators.requests().length, 0, "nothing reached the provider");
  });

  it("once a provider's circuit is open, --json names the provider, its last status and the wait; stderr stays clean", async (t) => {
    setup(t);
    const providers = {
      anthropic: {
        baseUrl: simulators.endpoints.anthropic.baseUrl,
        policy: { retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 1, openMs: 60_000 } },
      },
    };
    writeFileSync(join(home, "config.yaml"), stringify({ providers }));
    simulators.faults.inject("anthropic", { kind: "status", status: 529 });
    t.after(() => simulators.faults.clear("anthropic"));
    const tripping = await runCli(["ask", "--provider", "anthropic", "--json", "hi"], {
      env: env("anthropic"),
    });
    assert.equal(tripping.code, 1);
    assert.equal(JSON.parse(tripping.stdout).error.kind, "overloaded");
    assert.equal(tripping.stderr, "", "no log lines from the policy layer on a person's terminal");

    const refused = await runCli(["ask", "--provider", "anthropic", "--json", "hi"], {
      env: env("anthropic"),
    });
    assert.equal(refused.code, 1);
    const { error } = JSON.parse(refused.stdout);
    assert.equal(error.kind, "circuit_open");
    assert.equal(error.provider, "anthropic");
    assert.equal(error.status, 529);
    assert.equal(error.retryable, false);
    assert.ok(error.retryAfterMs > 0 && error.retryAfterMs <= 60_000);
    assert.match(error.message, /ai-orchestrator providers reset anthropic/);
  });

  it("writes text to stdout as it arrives, before the answer is complete", async (t) => {
    setup(t);
    simulators.faults.inject("moonshot", { kind: "stall", afterEvents: 3, times: 1 });
    const child = spawn(process.execPath, [BIN, "ask", "--provider", "moonshot", "tell me everything"], {
      env: env("moonshot"),
      stdio: ["ignore", "pipe", "pipe"],
    });
    t.after(() => child.kill("SIGKILL"));
    const firstText = await new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding("utf8").once("data", resolve);
      child.once("exit", (code) => reject(new Error(`exited ${code} before printing anything`)));
    });
    assert.ok(firstText.length > 0);
    assert.equal(
      child.exitCode,
      null,
      "the answer is still streaming (the provider went silent) while text is shown",
    );
  });

  it("with --json, a provider failure prints an error object and exits 1", async (t) => {
    setup(t);
    simulators.faults.inject("moonshot", { kind: "status", status: 429, reason: "quota", times: 1 });
    const result = await runCli(["ask", "--provider", "moonshot", "--json", "hello"], {
      env: env("moonshot"),
    });
    assert.equal(result.code, 1);
    const { error } = JSON.parse(result.stdout);
    assert.deepEqual(Object.keys(error).sort(), ["kind", "message", "provider", "retryable", "status"]);
    assert.equal(error.kind, "quota");
    assert.equal(error.provider, "moonshot");
    assert.equal(error.status, 429);
    assert.equal(error.retryable, false);
  });

  it("without --json, a provider failure is one line on stderr naming the kind, and exit 1", async (t) => {
    setup(t);
    // Not `times: 1`: ask retries a rate limit, so only a lasting one reaches the user.
    simulators.faults.inject("zai", { kind: "status", status: 429, reason: "rate_limit" });
    t.after(() => simulators.faults.clear("zai"));
    const result = await runCli(["ask", "--provider", "zai", "hello"], { env: env("zai") });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    const lines = result.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, result.stderr);
    assert.match(
      lines[0] ?? "",
      /^ai-orchestrator: zai: \[1302\] .*\(rate_limit, HTTP 429\); try again later$/,
    );
  });

  it("without a key, says in one line which variable to set and how to log in", async (t) => {
    setup(t);
    simulators.clearRequests();
    const result = await runCli(["ask", "--provider", "moonshot", "hello"], { env: homeEnv(home) });
    assert.notEqual(result.code, 0);
    assert.equal(result.stdout, "");
    assert.equal(
      result.stderr,
      "ai-orchestrator: MOONSHOT_API_KEY is not set: run `ai-orchestrator login moonshot` or export it\n",
    );
    assert.equal(simulators.requests().length, 0, "nothing was sent");
  });

  describe("--file", () => {
    const textFile = (t: { after(fn: () => void): void }): string => {
      setup(t);
      const path = join(home, "notes.md");
      writeFileSync(path, "# Notes\nThe launch code is 42.\n");
      return path;
    };

    const uploadsTo = (api: ProviderApi): number =>
      simulators
        .requests()
        .filter((request) => request.provider === api && request.method === "POST")
        .filter((request) => /\/files(\?|$)/.test(request.path)).length;
    const json = async (args: readonly string[], keys: NodeJS.ProcessEnv) => {
      const result = await runCli(args, { env: keys });
      assert.equal(result.code, 0, result.stderr);
      return JSON.parse(result.stdout);
    };

    it("moonshot: uploaded once through the registry for file-extract, the extracted text in a system message, kept", async (t) => {
      const path = textFile(t);
      simulators.clearRequests();
      const result = await runCli(["ask", "--provider", "moonshot", "--file", path, "What is the code?"], {
        env: env("moonshot"),
      });
      assert.equal(result.code, 0, result.stderr);
      const calls = simulators.requests().filter((request) => request.provider === "moonshot");
      assert.deepEqual(
        calls.map((request) => `${request.method} ${request.path.replace(/[a-z0-9]{20}/, "<id>")}`),
        ["POST /v1/files", "GET /v1/files/<id>/content", "POST /v1/chat/completions"],
      );
      assert.match(calls[0]?.body ?? "", /name="purpose"\r\n\r\nfile-extract/);
      const chat = JSON.parse(calls[2]?.body ?? "{}");
      assert.equal(chat.messages[0].role, "system");
      assert.match(chat.messages[0].content, /launch code is 42/);

      // Asked again: nothing is uploaded, the registry's copy is reused, and it is still there.
      simulators.clearRequests();
      const again = await json(
        ["ask", "--provider", "moonshot", "--json", "--file", path, "And now?"],
        env("moonshot"),
      );
      assert.match(again.text, /And now\?/);
      assert.equal(uploadsTo("moonshot"), 0, "the second ask sent no file");
      const [content] = await json(["files", "list", "--json"], env("moonshot"));
      assert.equal(content.filename, "notes.md");
      assert.deepEqual(
        content.copies.map((copy: { provider: string; status: string }) => [copy.provider, copy.status]),
        [["moonshot", "active"]],
      );
      const rows: { action: string; actor: string; subject: string }[] = await json(
        ["audit", "list", "--json"],
        env("moonshot"),
      );
      assert.deepEqual(
        rows
          .filter((row) => row.action.startsWith("file."))
          .map((row) => [row.action, row.subject])
          .reverse(),
        [
          ["file.upload", content.sha256],
          ["file.dedup", content.sha256],
        ],
      );
      assert.match(rows[0]?.actor ?? "", /^cli:/);
      const verify = await runCli(["files", "verify", "--provider", "moonshot"], { env: env("moonshot") });
      assert.equal(verify.code, 0, verify.stdout);
      assert.match(verify.stdout, /^moonshot: 1 of 1 copies OK$/m, "the remote file outlived both asks");
    });

    it("a fallback resolves the file for the provider that answers, through its own copy", async (t) => {
      const path = textFile(t);
      const providers = {
        ...Object.fromEntries(
          PROVIDER_APIS.map((api) => [api, { baseUrl: simulators.endpoints[api].baseUrl }]),
        ),
        anthropic: { baseUrl: simulators.endpoints.anthropic.baseUrl, policy: { retry: { maxAttempts: 1 } } },
      };
      writeFileSync(
        join(home, "config.yaml"),
        stringify({ providers, resilience: { store: "memory", fallbacks: { anthropic: ["moonshot"] } } }),
      );
      // Anthropic takes the file (its own copy), then fails before the first byte of the answer.
      simulators.faults.inject("anthropic", { kind: "status", status: 529, match: "/v1/messages" });
      t.after(() => simulators.faults.clear("anthropic"));
      simulators.clearRequests();
      const keys = { ...env("anthropic"), ...env("moonshot") };
      const answer = await json(["ask", "--provider", "anthropic", "--json", "--file", path, "Code?"], keys);
      assert.equal(answer.provider, "moonshot");
      assert.equal(answer.fallbacks[0].provider, "anthropic");
      assert.deepEqual([uploadsTo("anthropic"), uploadsTo("moonshot")], [1, 1]);
      const [content] = await json(["files", "list", "--json"], keys);
      const copies: { provider: string; remoteId: string }[] = content.copies;
      const anthropicId = copies.find((copy) => copy.provider === "anthropic")?.remoteId ?? "";
      assert.deepEqual(copies.map((copy) => copy.provider).sort(), ["anthropic", "moonshot"]);
      const moonshotCalls = simulators.requests().filter((request) => request.provider === "moonshot");
      assert.ok(
        anthropicId !== "" &&
          moonshotCalls.every((call) => !call.path.includes(anthropicId) && !call.body.includes(anthropicId)),
        "moonshot never saw anthropic's file id",
      );
      const chat = JSON.parse(moonshotCalls.at(-1)?.body ?? "{}");
      assert.match(chat.messages[0].content, /launch code is 42/);
    });

    it("a registry copy the provider deleted meanwhile is uploaded again and the ask answers", async (t) => {
      const path = textFile(t);
      await json(["ask", "--provider", "anthropic", "--json", "--file", path, "Code?"], env("anthropic"));
      const [before] = await json(["files", "list", "--json"], env("anthropic"));
      const lost: string = before.copies[0].remoteId;
      const removed = await fetch(`${simulators.endpoints.anthropic.baseUrl}/v1/files/${lost}`, {
        method: "DELETE",
        headers: {
          "x-api-key": KEY,
          "anthropic-version": "2023-06-01",
          "anthropic-beta": "files-api-2025-04-14",
        },
      });
      assert.equal(removed.status, 200);
      simulators.clearRequests();
      const answer = await json(
        ["ask", "--provider", "anthropic", "--json", "--file", path, "Code?"],
        env("anthropic"),
      );
      assert.match(answer.text, /Code\?/);
      assert.equal(uploadsTo("anthropic"), 1, "uploaded again");
      const [after] = await json(["files", "list", "--json"], env("anthropic"));
      assert.deepEqual(after.copies.map((copy: { status: string }) => copy.status).sort(), [
        "active",
        "missing",
      ]);
      const sent = JSON.parse(
        simulators
          .requests()
          .filter((request) => request.path === "/v1/messages")
          .at(-1)?.body ?? "{}",
      );
      assert.notEqual(sent.messages[0].content[0].source.file_id, lost);
    });

    it("google: sends a small file inline", async (t) => {
      const path = textFile(t);
      simulators.clearRequests();
      const result = await runCli(["ask", "--provider", "google", "--file", path, "What is the code?"], {
        env: env("google"),
      });
      assert.equal(result.code, 0, result.stderr);
      const [chat] = simulators.requests().filter((request) => request.provider === "google");
      const body = JSON.parse(chat?.body ?? "{}");
      const inline = body.contents[0].parts[0].inlineData;
      assert.equal(inline.mimeType, "text/markdown");
      assert.match(Buffer.from(inline.data, "base64").toString("utf8"), /launch code is 42/);
    });

    it("anthropic: the registry's copy as a document block with the beta header, kept", async (t) => {
      const path = textFile(t);
      simulators.clearRequests();
      const result = await runCli(["ask", "--provider", "anthropic", "--file", path, "What is the code?"], {
        env: env("anthropic"),
      });
      assert.equal(result.code, 0, result.stderr);
      const calls = simulators.requests().filter((request) => request.provider === "anthropic");
      assert.deepEqual(
        calls.map((request) => `${request.method} ${request.path.replace(/file_\w+/, "<id>")}`),
        ["POST /v1/files", "POST /v1/messages"],
      );
      const body = JSON.parse(calls[1]?.body ?? "{}");
      assert.equal(body.messages[0].content[0].type, "document");
      assert.match(body.messages[0].content[0].source.file_id, /^file_/);
      assert.equal(calls[1]?.headers["anthropic-beta"], "files-api-2025-04-14");
    });

    it("zai: puts a text file's content into the message", async (t) => {
      const path = textFile(t);
      simulators.clearRequests();
      const result = await runCli(["ask", "--provider", "zai", "--file", path, "What is the code?"], {
        env: env("zai"),
      });
      assert.equal(result.code, 0, result.stderr);
      const [chat] = simulators.requests().filter((request) => request.provider === "zai");
      const body = JSON.parse(chat?.body ?? "{}");
      assert.match(body.messages[0].content, /notes\.md:\n# Notes\nThe launch code is 42\./);
      assert.match(body.messages[0].content, /What is the code\?$/);
    });

    it("a missing file is one line naming it, before anything is sent or any store is created", async (t) => {
      setup(t);
      simulators.clearRequests();
      const result = await runCli(["ask", "--provider", "zai", "--file", join(home, "nope.txt"), "hi"], {
        env: env("zai"),
      });
      assert.equal(result.code, 2);
      assert.match(result.stderr, /^ai-orchestrator: --file .*nope\.txt does not exist; check the path\n$/);
      assert.equal(simulators.requests().length, 0);
      assert.equal(existsSync(join(home, "orchestrator.db")), false, "the new home got no store");
    });
  });

  it("at a terminal, a slow first byte shows that ask is waiting, and the line is cleared when the answer comes", async (t) => {
    if (!requireService(t, "util-linux script", scriptMissing())) return;
    setup(t);
    simulators.faults.inject("zai", { kind: "latency", ms: 3_500, times: 1 });
    t.after(() => simulators.faults.clear("zai"));
    const quoted = (value: string): string => `'${value.replaceAll("'", "'\\''")}'`;
    const atTerminal = await runProgram(
      "script",
      [
        "-qfec",
        [process.execPath, BIN, "ask", "--provider", "zai", "Still there?"].map(quoted).join(" "),
        "/dev/null",
      ],
      { env: env("zai") },
    );
    assert.equal(atTerminal.code, 0, atTerminal.stdout);
    assert.match(atTerminal.stdout, /waiting for the first byte of the answer… [23] s/);
    // The wait line is erased (carriage return, erase-line) right before the answer is written.
    assert.ok(
      atTerminal.stdout.includes("\r\u001b[KSimulated Z.ai reply to: Still there?"),
      "the wait line is cleared before the answer",
    );
    // Piped, nothing but the answer.
    const piped = await runCli(["ask", "--provider", "zai", "Still there?"], { env: env("zai") });
    assert.equal(piped.stderr, "");
  });
});
