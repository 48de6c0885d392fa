// A client's mistakes are 4xx in the client's own dialect, never a 5xx or a stack: malformed JSON,
// a wrong content type, a missing model, an unknown model, an unknown route, an oversized body.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pick, simulatorConfig, startTestHub } from "../support/hub.ts";

const ROUTES = [
  {
    dialect: "anthropic",
    path: "/v1/messages",
    errorType: (body: unknown) => pick(body, "error", "type"),
    invalid: "invalid_request_error",
    tooLarge: "request_too_large",
    notFound: "not_found_error",
  },
  {
    dialect: "openai",
    path: "/v1/chat/completions",
    errorType: (body: unknown) => pick(body, "error", "type"),
    invalid: "invalid_request_error",
    tooLarge: "invalid_request_error",
    notFound: "not_found_error",
  },
  {
    dialect: "gemini",
    path: "/v1beta/models/gemini-2.5-flash:generateContent",
    errorType: (body: unknown) => pick(body, "error", "status"),
    invalid: "INVALID_ARGUMENT",
    tooLarge: "INVALID_ARGUMENT",
    notFound: "NOT_FOUND",
  },
] as const;

describe("bad input", () => {
  for (const route of ROUTES) {
    it(`${route.dialect}: each mistake is a 4xx in the dialect's shape with a message saying what to fix`, async (t) => {
      const hub = await startTestHub(t, simulatorConfig(undefined, { server: { bodyLimitBytes: 1024 } }));
      const key = await hub.addKey("client", ["chat"]);
      const send = (body: string, headers: Record<string, string> = { "content-type": "application/json" }) =>
        hub.request(route.path, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, ...headers },
          body,
        });
      const cases: {
        name: string;
        response: Promise<Response>;
        status: number;
        type: string;
        message: RegExp;
      }[] = [
        {
          name: "malformed JSON",
          response: send('{"model": '),
          status: 400,
          type: route.invalid,
          message: /not valid JSON/,
        },
        {
          name: "not an object",
          response: send("[1,2]"),
          status: 400,
          type: route.invalid,
          message: /JSON object/,
        },
        {
          name: "wrong content type",
          response: send("model=x", { "content-type": "application/x-www-form-urlencoded" }),
          status: 400,
          type: route.invalid,
          message: /application\/json/,
        },
        {
          name: "oversized body",
          response: send(JSON.stringify({ model: "glm-4.6", padding: "x".repeat(2048) })),
          status: 413,
          type: route.tooLarge,
          message: /bodyLimitBytes/,
        },
      ];
      if (route.dialect !== "gemini") {
        cases.push(
          {
            name: "missing model",
            response: send(JSON.stringify({ messages: [] })),
            status: 400,
            type: route.invalid,
            message: /names no model/,
          },
          {
            name: "unknown model",
            response: send(JSON.stringify({ model: "gpt-9000", messages: [] })),
            status: 400,
            type: route.invalid,
            message: /unknown model \\"gpt-9000\\".*provider\/model/,
          },
        );
      }
      for (const each of cases) {
        const response = await each.response;
        assert.equal(response.status, each.status, each.name);
        const body = await response.json();
        assert.equal(route.errorType(body), each.type, each.name);
        const text = JSON.stringify(body);
        assert.match(text, each.message, each.name);
        assert.doesNotMatch(text, /\bat .*\.ts:\d+/, `${each.name}: no stack trace`);
      }
    });
  }

  it("a provider the hub holds no key for is a 503 in the client's dialect naming the key to set, not a 500", async (t) => {
    // Nothing reaches a real provider even with keys in this shell: none is read, every URL is closed.
    for (const name of ["ANTHROPIC_API_KEY", "MOONSHOT_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY"]) {
      const saved = process.env[name];
      delete process.env[name];
      t.after(() => {
        if (saved !== undefined) process.env[name] = saved;
      });
    }
    const closed = { baseUrl: "http://127.0.0.1:9" };
    const providers = { anthropic: closed, moonshot: closed, google: closed };
    const hub = await startTestHub(t, simulatorConfig(undefined, { providers }), { providerKeys: false });
    const key = await hub.addKey("client", ["chat"]);
    const message = { role: "user", content: "hi" };
    const answers = [
      await hub.request("/v1/messages", {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 16, messages: [message] }),
      }),
      await hub.request("/v1/chat/completions", {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "kimi-k2-turbo-preview", messages: [message] }),
      }),
      await hub.request("/v1beta/models/gemini-2.5-flash:generateContent", {
        method: "POST",
        headers: { "x-goog-api-key": key, "content-type": "application/json" },
        body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hi" }] }] }),
      }),
    ];
    const [anthropic, openai, gemini] = await Promise.all(
      answers.map(async (answer) => ({
        status: answer.status,
        body: await answer.json(),
      })),
    );
    for (const answer of [anthropic, openai, gemini]) {
      assert.equal(answer?.status, 503, JSON.stringify(answer?.body));
      assert.doesNotMatch(JSON.stringify(answer?.body), /\bat .*\.ts:\d+/);
    }
    assert.equal(pick(anthropic?.body, "error", "type"), "api_error");
    assert.match(String(pick(anthropic?.body, "error", "message")), /ANTHROPIC_API_KEY/);
    assert.equal(pick(openai?.body, "error", "code"), "not_configured");
    assert.match(String(pick(openai?.body, "error", "message")), /MOONSHOT_API_KEY/);
    assert.equal(pick(gemini?.body, "error", "status"), "UNAVAILABLE");
    assert.match(String(pick(gemini?.body, "error", "message")), /GEMINI_API_KEY|GOOGLE_API_KEY/);
  });

  it("an unknown Gemini model and an unknown route are 4xx in the dialect the path implies", async (t) => {
    const hub = await startTestHub(t, simulatorConfig(undefined));
    const key = await hub.addKey("client", ["chat"]);
    const gemini = await hub.request("/v1beta/models/palm-2:generateContent", {
      method: "POST",
      headers: { "x-goog-api-key": key, "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(gemini.status, 400);
    assert.equal(pick(await gemini.json(), "error", "status"), "INVALID_ARGUMENT");
    const method = await hub.request("/v1beta/models/gemini-2.5-flash:embedContent", {
      method: "POST",
      headers: { "x-goog-api-key": key },
      body: "{}",
    });
    assert.equal(method.status, 404);
    assert.equal(pick(await method.json(), "error", "status"), "NOT_FOUND");
    const unknown = await hub.request("/v2/whatever", { headers: { authorization: `Bearer ${key}` } });
    assert.equal(unknown.status, 404);
    assert.equal(pick(await unknown.json(), "error", "type"), "not_found_error");
    const anthropicUnknown = await hub.request("/v1/nothing", {
      headers: { "anthropic-version": "2023-06-01" },
    });
    assert.equal(anthropicUnknown.status, 404);
    assert.equal(pick(await anthropicUnknown.json(), "type"), "error");
  });

  it("a feature the target of another dialect cannot express is a 400 naming it, never dropped", async (t) => {
    const hub = await startTestHub(t, simulatorConfig(undefined));
    const key = await hub.addKey("client", ["chat"]);
    const response = await hub.request("/v1/messages", {
      method: "POST",
      headers: { "x-api-key": key, "content-type": "application/json" },
      body: JSON.stringify({
        model: "gemini-2.5-flash",
        max_tokens: 5,
        mcp_servers: [{ type: "url", url: "https://example.invalid", name: "x" }],
        messages: [{ role: "user", content: "hi" }],
      }),
    });
    assert.equal(response.status, 400);
    const body = await response.json();
    assert.equal(pick(body, "error", "type"), "invalid_request_error");
    assert.match(String(pick(body, "error", "message")), /mcp_servers/);
  });
});
