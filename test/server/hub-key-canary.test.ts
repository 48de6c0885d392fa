// The hub key is the client's credential for the hub, never the provider's: presented in each of the
// four ways a client may present it (Authorization, x-api-key, x-goog-api-key, ?key=), it appears
// nowhere in what any provider receives (path, query, headers, body), on every dialect's routes,
// plain and streamed, passed through and translated, and on /v1/files.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startSimulators } from "../../src/simulators/index.ts";
import { simulatorConfig, startTestHub } from "../support/hub.ts";

interface Call {
  label: string;
  path: string;
  body: string;
  /** Headers the dialect's client sends besides the key. */
  headers?: Record<string, string>;
}

const ask = (model: string, stream: boolean): string =>
  JSON.stringify({ model, max_tokens: 50, stream, messages: [{ role: "user", content: "canary" }] });
const askGemini = JSON.stringify({ contents: [{ role: "user", parts: [{ text: "canary" }] }] });
const ANTHROPIC = { "anthropic-version": "2023-06-01" };

const CALLS: Call[] = [
  // Anthropic's dialect: to Anthropic and zai (passthrough), to Google (translated).
  {
    label: "messages → anthropic",
    path: "/v1/messages?beta=true",
    body: ask("claude-sonnet-4-5", false),
    headers: ANTHROPIC,
  },
  {
    label: "messages stream → zai",
    path: "/v1/messages?beta=true",
    body: ask("glm-4.6", true),
    headers: ANTHROPIC,
  },
  {
    label: "messages stream → google",
    path: "/v1/messages",
    body: ask("gemini-2.5-flash", true),
    headers: ANTHROPIC,
  },
  {
    label: "count_tokens → anthropic",
    path: "/v1/messages/count_tokens",
    body: ask("claude-sonnet-4-5", false),
    headers: ANTHROPIC,
  },
  // OpenAI's dialect: to zai and Moonshot (passthrough), to Anthropic (translated).
  { label: "chat → zai", path: "/v1/chat/completions", body: ask("glm-4.6", false) },
  { label: "chat stream → moonshot", path: "/v1/chat/completions", body: ask("kimi-k2.5", true) },
  { label: "chat stream → anthropic", path: "/v1/chat/completions", body: ask("claude-sonnet-4-5", true) },
  // Gemini's dialect: to Google (passthrough), to zai (translated).
  {
    label: "generateContent → google",
    path: "/v1beta/models/gemini-2.5-flash:generateContent",
    body: askGemini,
  },
  {
    label: "streamGenerateContent → google",
    path: "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
    body: askGemini,
  },
  {
    label: "streamGenerateContent → zai",
    path: "/v1beta/models/glm-4.6:streamGenerateContent?alt=sse",
    body: askGemini,
  },
];

type Presentation = (key: string) => { query: string; headers: Record<string, string> };

const PRESENTATIONS: Record<string, Presentation> = {
  "?key=": (key) => ({ query: `key=${encodeURIComponent(key)}`, headers: {} }),
  authorization: (key) => ({ query: "", headers: { authorization: `Bearer ${key}` } }),
  "x-api-key": (key) => ({ query: "", headers: { "x-api-key": key } }),
  "x-goog-api-key": (key) => ({ query: "", headers: { "x-goog-api-key": key } }),
};

function withQuery(path: string, query: string): string {
  if (query === "") return path;
  return `${path}${path.includes("?") ? "&" : "?"}${query}`;
}

describe("the hub key never reaches a provider", () => {
  it("on every gateway route, plain and streamed, passed through and translated, however it is presented", async (t) => {
    const simulators = await startSimulators();
    t.after(() => simulators.close());
    const hub = await startTestHub(t, simulatorConfig(simulators));
    const key = await hub.addKey("canary", ["chat", "files"]);
    const running = await hub.listen();

    for (const [way, present] of Object.entries(PRESENTATIONS)) {
      for (const call of CALLS) {
        const { query, headers } = present(key);
        const response = await fetch(`${running.url}${withQuery(call.path, query)}`, {
          method: "POST",
          headers: { "content-type": "application/json", ...call.headers, ...headers },
          body: call.body,
        });
        const text = await response.text();
        assert.equal(response.status, 200, `${call.label} with the key as ${way}: ${text}`);
      }
      const upload = new FormData();
      upload.append("providers", "moonshot,google");
      upload.append(
        "file",
        new File([`notes sent with the key as ${way}`], "notes.txt", { type: "text/plain" }),
      );
      const { query, headers } = present(key);
      const uploaded = await fetch(`${running.url}${withQuery("/v1/files", query)}`, {
        method: "POST",
        headers,
        body: upload,
      });
      assert.equal(uploaded.status, 200, `files upload with the key as ${way}: ${await uploaded.text()}`);
    }

    const received = simulators.requests();
    // Every call above reached its provider: passthrough with the client's query, translated too.
    for (const provider of ["anthropic", "zai", "moonshot", "google"] as const) {
      assert.ok(
        received.some((request) => request.provider === provider),
        `${provider} received nothing: the canary proves nothing for it`,
      );
    }
    assert.ok(
      received.some((request) => request.path.includes("beta=true")),
      "the client's own query is kept",
    );
    assert.ok(received.some((request) => request.path.includes("alt=sse")));
    const secret = key.slice(key.indexOf("_") + 1);
    for (const request of received) {
      const seen = `${request.path}\n${JSON.stringify(request.headers)}\n${request.body}`;
      assert.ok(
        !seen.includes(secret) && !seen.includes(encodeURIComponent(key)),
        `${request.provider} received the hub key: ${request.method} ${request.path}`,
      );
      assert.doesNotMatch(request.path, /[?&]key=/i, `${request.provider} received a key parameter`);
    }
  });
});
