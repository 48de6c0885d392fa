// The chat service of a hub against the simulators: routing by model or provider, fallback with the
// model mapped by role, no fallback once output was delivered, files attached the way each target's
// provider takes them (inline, or the file registry's copy, uploaded once and kept), and two hubs in
// one process counting and tripping apart.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, it, type TestContext } from "node:test";
import { type Paths, resolvePaths } from "../../src/config/paths.ts";
import { configSchema } from "../../src/config/schema/index.ts";
import { PROVIDER_APIS } from "../../src/config/schema/providers.ts";
import { AppError } from "../../src/errors.ts";
import { createHub, type Hub } from "../../src/hub/hub.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { writeSecret } from "../../src/providers/credentials.ts";
import { ProviderError } from "../../src/providers/errors.ts";
import type { RecordedRequest } from "../../src/simulators/index.ts";
import { type Simulators, startSimulators } from "../../src/simulators/index.ts";
import { openStore, type Store } from "../../src/store/store.ts";
import { removeScratch, scratchDirectory } from "../support/scratch.ts";

let simulators: Simulators;
let home: string;
let paths: Paths;
const hubs: Hub[] = [];

before(async () => {
  simulators = await startSimulators();
  home = mkdtempSync(join(tmpdir(), "aio-chat-service-"));
  paths = resolvePaths({ env: { AI_ORCHESTRATOR_HOME: home } });
  for (const api of PROVIDER_APIS) writeSecret(paths, api, `sk-${api}-chat-service-test`);
});
after(async () => {
  await Promise.all(hubs.map((hub) => hub.close()));
  await simulators.close();
  removeScratch(home);
});
beforeEach(() => {
  simulators.faults.clear();
  simulators.clearRequests();
});

/** A hub on the simulators, zai falling back to moonshot, breakers in memory (its own per hub). */
function hub(overrides: Record<string, unknown> = {}, store?: Store): Hub {
  const config = configSchema.parse({
    providers: Object.fromEntries(
      PROVIDER_APIS.map((api) => [
        api,
        { baseUrl: simulators.endpoints[api].baseUrl, policy: { retry: { maxAttempts: 1 } } },
      ]),
    ),
    resilience: { store: "memory", fallbacks: { zai: ["moonshot"] } },
    gateway: { models: { coder: { target: "zai/glm-4.6" } } },
    ...overrides,
  });
  const created = createHub({ config, paths, logger: createLogger({ level: "silent" }), store });
  hubs.push(created);
  return created;
}

const sentTo = (provider: string): RecordedRequest[] =>
  simulators.requests().filter((request) => request.provider === provider);
const chatBodies = (provider: string): Record<string, unknown>[] =>
  sentTo(provider)
    .filter(
      (request) =>
        request.method === "POST" && /chat\/completions|messages|generatecontent/i.test(request.path),
    )
    .map((request) => JSON.parse(request.body));

describe("routing", () => {
  it("routes a model name, an alias and provider/model, and streams the answer to onEvent", async () => {
    const chat = hub().chat;
    for (const [model, provider, sent] of [
      ["glm-4.5-air", "zai", "glm-4.5-air"],
      ["coder", "zai", "glm-4.6"],
      ["google/gemini-2.5-flash-lite", "google", "gemini-2.5-flash-lite"],
      ["claude-haiku-4-5", "anthropic", "claude-haiku-4-5"],
    ] as const) {
      let streamed = "";
      const result = await chat.chat({
        model,
        prompt: "What is two plus two?",
        onEvent: (event, stream) => {
          assert.deepEqual(stream.target, { provider, model: sent });
          if (event.type === "text-delta") streamed += event.text;
        },
      });
      assert.deepEqual(result.target, { provider, model: sent });
      assert.equal(result.response.provider, provider);
      assert.match(result.response.text, /What is two plus two\?/);
      assert.equal(streamed, result.response.text);
      assert.deepEqual(result.fallbacks, []);
    }
  });

  it("asks a provider's main model when only the provider is named", async () => {
    const result = await hub().chat.chat({ provider: "moonshot", prompt: "hi", maxOutputTokens: 64 });
    assert.deepEqual(result.target, { provider: "moonshot", model: "kimi-k2.5" });
    const [body] = chatBodies("moonshot");
    assert.equal(body?.model, "kimi-k2.5");
    assert.equal(body?.max_completion_tokens, 64);
  });

  it("refuses an unknown model, a missing model and a missing key before sending anything", async () => {
    const chat = hub().chat;
    await assert.rejects(chat.chat({ model: "gpt-4o", prompt: "hi" }), (error: unknown) => {
      assert.ok(error instanceof AppError && error.kind === "usage");
      assert.match(error.message, /unknown model "gpt-4o"/);
      return true;
    });
    await assert.rejects(chat.chat({ prompt: "hi" }), { kind: "usage" });
    await assert.rejects(chat.chat({ provider: "zai" }), { kind: "usage", message: /give a prompt/ });
    const keyless = hub({
      providers: { custom: { extends: "zai", baseUrl: simulators.endpoints.zai.baseUrl } },
    });
    await assert.rejects(keyless.chat.chat({ model: "custom/glm-4.6", prompt: "hi" }), {
      kind: "credential",
      message: /ai-orchestrator login custom/,
    });
    assert.equal(simulators.requests().length, 0);
  });
});

describe("fallback", () => {
  it("hands a failing provider's question to the next one, with the model of the same role", async () => {
    const chat = hub().chat;
    simulators.faults.inject("zai", { kind: "status", status: 503 });
    for (const [asked, standIn] of [
      ["glm-4.6", "kimi-k2.5"],
      ["glm-4.5-air", "kimi-k2-turbo-preview"],
    ] as const) {
      simulators.clearRequests();
      const result = await chat.chat({ model: asked, prompt: "What is two plus two?" });
      assert.deepEqual(result.target, { provider: "moonshot", model: standIn });
      assert.equal(result.response.provider, "moonshot");
      assert.equal(result.fallbacks.length, 1);
      assert.equal(result.fallbacks[0]?.provider, "zai");
      assert.equal(result.fallbacks[0]?.kind, "overloaded");
      assert.equal(chatBodies("zai")[0]?.model, asked);
      assert.equal(chatBodies("moonshot")[0]?.model, standIn);
    }
  });

  it("once part of the answer was delivered, a broken stream is not handed on", async () => {
    const chat = hub().chat;
    simulators.faults.inject("zai", { kind: "stream-error" });
    let shown = "";
    await assert.rejects(
      chat.chat({
        provider: "zai",
        prompt: "Tell me a long story.",
        onEvent: (event, stream) => {
          if (event.type !== "text-delta") return;
          shown += event.text;
          stream.delivered();
        },
      }),
      ProviderError,
    );
    assert.ok(shown.length > 0);
    assert.equal(sentTo("moonshot").length, 0, "moonshot was not asked to repeat what was shown");

    // Nothing delivered (a caller that waits for the whole answer): the next provider stands in.
    const result = await chat.chat({ provider: "zai", prompt: "Tell me a long story." });
    assert.equal(result.target.provider, "moonshot");
  });

  it("a caller that gives up is not handed to the next provider", async () => {
    const chat = hub().chat;
    simulators.faults.inject("zai", { kind: "hang" });
    const controller = new AbortController();
    const pending = chat.chat({ provider: "zai", prompt: "hi", signal: controller.signal });
    setTimeout(() => controller.abort(new Error("the client went away")), 50);
    await assert.rejects(pending, /the client went away/);
    assert.equal(sentTo("moonshot").length, 0);
  });
});

describe("attachments", () => {
  /** A hub with its own store (so its own file registry), closed when the test ends. */
  const filesHub = async (t: TestContext): Promise<Hub> => {
    const dir = scratchDirectory(t, "aio-chat-files-");
    const logger = createLogger({ level: "silent" });
    const store = await openStore({ paths: resolvePaths({ env: { AI_ORCHESTRATOR_HOME: dir } }), logger });
    return hub({}, store);
  };
  /** A file of the test's own content, so no other test's registry copy can match it. */
  const notes = (t: TestContext, content = `# Notes\nThe launch code is 42.\n(${t.name})\n`) => {
    const path = join(home, `notes-${Math.random().toString(36).slice(2)}.md`);
    writeFileSync(path, content);
    return path;
  };
  const described = (provider: string) =>
    sentTo(provider).map(
      (request) => `${request.method} ${request.path.replace(/files\/[^/?]+/, "files/<id>")}`,
    );

  it("moonshot: uploaded once through the registry for extraction, the text in the system message, kept", async (t) => {
    const hub = await filesHub(t);
    const path = notes(t);
    const result = await hub.chat.chat({ provider: "moonshot", files: [{ path }], prompt: "Code?" });
    assert.equal(result.files.length, 1);
    assert.deepEqual(described("moonshot"), [
      "POST /v1/files",
      "GET /v1/files/<id>/content",
      "POST /v1/chat/completions",
    ]);
    const [body] = chatBodies("moonshot");
    assert.deepEqual(Object.keys(body?.messages as object[]).length, 2);
    assert.match(
      JSON.stringify(body?.messages),
      /"role":"system","content":"Contents of the file notes-\w+\.md:\\n.*launch code is 42/,
    );
    const [attached] = result.attachments;
    assert.equal(attached?.dedup, false);

    simulators.clearRequests();
    const again = await hub.chat.chat({ provider: "moonshot", files: [{ path }], prompt: "Code?" });
    assert.deepEqual(
      described("moonshot"),
      ["GET /v1/files/<id>/content", "POST /v1/chat/completions"],
      "the registry's copy is reused: nothing uploaded",
    );
    assert.deepEqual(again.attachments[0], { ...attached, dedup: true });
    const remote = await hub.providers.client("moonshot").files.get(attached?.remoteId ?? "");
    assert.equal(remote.id, attached?.remoteId, "the copy outlives the chat");
  });

  it("anthropic: the registry's copy as a document block; a reused one is checked first", async (t) => {
    const hub = await filesHub(t);
    const path = notes(t);
    await hub.chat.chat({ provider: "anthropic", files: [{ path }], prompt: "Code?" });
    assert.deepEqual(described("anthropic"), ["POST /v1/files", "POST /v1/messages"]);
    const [body] = chatBodies("anthropic");
    assert.match(
      JSON.stringify(body?.messages),
      /"type":"document","source":\{"type":"file","file_id":"file_/,
    );
    simulators.clearRequests();
    await hub.chat.chat({ provider: "anthropic", files: [{ path }], prompt: "Code?" });
    assert.deepEqual(described("anthropic"), ["GET /v1/files/<id>", "POST /v1/messages"]);
  });

  it("google: a small file inline; above the inline limit the registry's copy once ACTIVE", async (t) => {
    const hub = await filesHub(t);
    await hub.chat.chat({ provider: "google", files: [{ path: notes(t) }], prompt: "Code?" });
    const [small] = chatBodies("google");
    assert.match(JSON.stringify(small), /"inlineData":\{"mimeType":"text\/markdown"/);
    assert.deepEqual(await hub.files?.list(), [], "nothing inline goes to the registry");

    simulators.clearRequests();
    const large = join(home, "big.txt");
    writeFileSync(large, Buffer.alloc(21 * 1024 * 1024, 0x61));
    const result = await hub.chat.chat({ provider: "google", files: [{ path: large }], prompt: "Size?" });
    const [body] = chatBodies("google");
    assert.match(JSON.stringify(body), /"fileData":\{"mimeType":"text\/plain","fileUri":"[^"]+files\//);
    assert.doesNotMatch(JSON.stringify(body), /inlineData/);
    assert.ok(!described("google").some((call) => call.startsWith("DELETE ")), "the copy is kept");
    assert.equal(result.attachments[0]?.dedup, false);
  });

  it("zai: text inline in the message; a type or size it does not take is refused before sending", async (t) => {
    const chat = (await filesHub(t)).chat;
    await chat.chat({ provider: "zai", files: [{ path: notes(t) }], prompt: "What is the code?" });
    const [body] = chatBodies("zai");
    assert.match(JSON.stringify(body), /notes-\w+\.md:\\n# Notes\\nThe launch code is 42\./);

    simulators.clearRequests();
    const pdf = join(home, "report.pdf");
    writeFileSync(pdf, "%PDF-1.4");
    await assert.rejects(
      chat.chat({ provider: "zai", files: [{ path: pdf, label: "report.pdf" }], prompt: "hi" }),
      {
        kind: "usage",
        message: "report.pdf: Z.ai (GLM) chat takes text files and images, not application/pdf",
      },
    );
    const huge = join(home, "huge.txt");
    writeFileSync(huge, Buffer.alloc(11 * 1024 * 1024, 0x61));
    await assert.rejects(chat.chat({ provider: "zai", files: [{ path: huge }], prompt: "hi" }), {
      kind: "too_large",
      message: /^file .*huge\.txt: 11534336 bytes is more than zai takes \(10 MB\)$/,
    });
    await assert.rejects(
      chat.chat({ provider: "zai", files: [{ path: join(home, "nope.txt") }], prompt: "hi" }),
      { kind: "usage", message: /nope\.txt does not exist; check the path$/ },
    );
    assert.equal(simulators.requests().length, 0);
  });

  it("a fallback attaches the files the way the next provider takes them, through its own copy", async (t) => {
    const hub = await filesHub(t);
    simulators.faults.inject("zai", { kind: "status", status: 503 });
    const result = await hub.chat.chat({ model: "glm-4.6", files: [{ path: notes(t) }], prompt: "Code?" });
    assert.equal(result.target.provider, "moonshot");
    // Inline for zai (it failed), extracted text from moonshot's own registry copy.
    assert.match(JSON.stringify(chatBodies("zai")[0]), /launch code is 42/);
    assert.deepEqual(described("moonshot"), [
      "POST /v1/files",
      "GET /v1/files/<id>/content",
      "POST /v1/chat/completions",
    ]);
    assert.equal(result.attachments[0]?.dedup, false);
  });

  it("a file's upload takes no second slot of its provider's bulkhead: one slot is enough for a chat with files", async (t) => {
    const dir = scratchDirectory(t, "aio-chat-files-");
    const store = await openStore({
      paths: resolvePaths({ env: { AI_ORCHESTRATOR_HOME: dir } }),
      logger: createLogger({ level: "silent" }),
    });
    const policy = {
      retry: { maxAttempts: 1 },
      bulkhead: { maxConcurrent: 1, maxQueue: 4 },
      timeouts: { firstByteMs: 3_000 },
    };
    const oneSlot = hub(
      {
        providers: {
          moonshot: { baseUrl: simulators.endpoints.moonshot.baseUrl, policy },
          anthropic: { baseUrl: simulators.endpoints.anthropic.baseUrl, policy },
        },
      },
      store,
    );
    for (const provider of ["moonshot", "anthropic"]) {
      const result = await oneSlot.chat.chat({ provider, files: [{ path: notes(t) }], prompt: "Code?" });
      assert.equal(result.target.provider, provider);
      assert.equal(result.attachments[0]?.dedup, false);
      assert.equal(result.fallbacks.length, 0);
    }
  });

  it("a registry copy the provider lost is marked missing and the file uploaded again", async (t) => {
    const hub = await filesHub(t);
    const path = notes(t);
    const first = await hub.chat.chat({ provider: "moonshot", files: [{ path }], prompt: "Code?" });
    const lost = first.attachments[0]?.remoteId ?? "";
    await hub.providers.client("moonshot").files.delete(lost);
    simulators.clearRequests();
    const second = await hub.chat.chat({ provider: "moonshot", files: [{ path }], prompt: "Code?" });
    assert.match(second.response.text, /Code\?/);
    assert.notEqual(second.attachments[0]?.remoteId, lost);
    assert.equal(second.attachments[0]?.dedup, false);
    const copies = (await hub.files?.list())?.[0]?.copies ?? [];
    assert.deepEqual(copies.map((copy) => [copy.status, copy.remoteId]).sort(), [
      ["active", second.attachments[0]?.remoteId],
      ["missing", lost],
    ]);
  });
});

describe("two hubs in one process", () => {
  it("each counts into its own registry and trips its own breakers", async () => {
    const tripping = {
      providers: {
        zai: {
          baseUrl: simulators.endpoints.zai.baseUrl,
          policy: { retry: { maxAttempts: 1 }, breaker: { consecutiveFailures: 1, openMs: 60_000 } },
        },
        moonshot: { baseUrl: simulators.endpoints.moonshot.baseUrl },
      },
    };
    const first = hub(tripping);
    const second = hub(tripping);
    assert.notEqual(first.metrics.registry, second.metrics.registry);

    simulators.faults.inject("zai", { kind: "status", status: 503, times: 1 });
    const fellBack = await first.chat.chat({ model: "glm-4.6", prompt: "hi" });
    assert.equal(fellBack.target.provider, "moonshot");
    assert.equal(first.resilience.status("zai").breaker, "open");

    // The second hub's zai circuit is its own, still closed: it asks zai, which answers now.
    const answered = await second.chat.chat({ model: "glm-4.6", prompt: "hi" });
    assert.equal(answered.target.provider, "zai");
    assert.equal(second.resilience.status("zai").breaker, "closed");

    const firstText = await first.metrics.registry.metrics();
    const secondText = await second.metrics.registry.metrics();
    assert.match(firstText, /aio_fallbacks_total\{from="zai",to="moonshot",reason="overloaded"\} 1/);
    assert.match(firstText, /aio_provider_calls_total\{provider="zai",outcome="failure"\} 1/);
    assert.match(firstText, /aio_breaker_state\{provider="zai"\} 2/);
    assert.doesNotMatch(secondText, /aio_fallbacks_total\{/);
    assert.match(secondText, /aio_provider_calls_total\{provider="zai",outcome="success"\} 1/);
    assert.doesNotMatch(secondText, /outcome="failure"/);

    // Closing one leaves the other working.
    await first.close();
    hubs.splice(hubs.indexOf(first), 1);
    const again = await second.chat.chat({ provider: "zai", prompt: "still there?" });
    assert.equal(again.target.provider, "zai");
  });
});
