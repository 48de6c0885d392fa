// The gateway on a real socket: bytes a provider sends reach the client untouched, the request
// reaching the provider carries its key and the mapped model but not the hub key, a failure before
// the first byte falls back, one after it ends the stream with the dialect's error event, and a
// client that leaves closes the upstream connection.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Simulators, startSimulators } from "../../src/simulators/index.ts";
import { PROVIDER_KEY, pick, simulatorConfig, startTestHub } from "../support/hub.ts";
import { clientLeavesMidStream, startUpstream } from "../support/upstream.ts";

// An Anthropic stream with awkward framing: CRLF and LF mixed, a comment, an event split across
// writes in the middle of a multi-byte character, and usage events the hub counts on the way.
const STREAM_PIECES = [
  'event: message_start\r\ndata: {"type":"message_start","message":{"id":"msg_1","model":"claude-sonnet-4-5","usage":{"input_tokens":12,"output_tokens":1}}}\r\n\r\n',
  ": a comment line the hub must not drop\n\n",
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"h\xC3',
  '\xA9llo \xF0\x9F\x91\x8B"}}\n\n',
  'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":42}}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n',
].map((piece) => Buffer.from(piece, "latin1"));

describe("passthrough", () => {
  it("relays the provider's stream byte for byte and sends it the provider's key, the mapped model and the client's anthropic headers", async (t) => {
    const upstream = await startUpstream(t, (response) => {
      response.writeHead(200, {
        "content-type": "text/event-stream",
        "request-id": "req_upstream_1",
        "anthropic-ratelimit-requests-remaining": "99",
      });
      let index = 0;
      const next = (): void => {
        const piece = STREAM_PIECES[index++];
        if (piece === undefined) response.end();
        else response.write(piece, () => setTimeout(next, 5));
      };
      next();
    });
    const config = simulatorConfig(undefined, {
      providers: { anthropic: { baseUrl: upstream.baseUrl, policy: { retry: { maxAttempts: 1 } } } },
      gateway: { models: { sonnet: { target: "anthropic/claude-sonnet-4-5" } } },
    });
    const hub = await startTestHub(t, config);
    const key = await hub.addKey("claude-code", ["chat", "metrics"]);
    const running = await hub.listen();
    const requestBody = `{"model":"sonnet","max_tokens":64,"stream":true,"thinking":{"type":"enabled","budget_tokens":1024},"messages":[{"role":"user","content":[{"type":"text","text":"hi","cache_control":{"type":"ephemeral"}}]}],"tools":[{"name":"t","input_schema":{"type":"object"}}]}`;
    const response = await fetch(`${running.url}/v1/messages?beta=true`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${key}`,
        "anthropic-version": "2023-06-01",
        "anthropic-beta": "interleaved-thinking-2025-05-14",
      },
      body: requestBody,
    });
    assert.equal(response.status, 200);
    const received = Buffer.from(await response.arrayBuffer());
    assert.ok(
      received.equals(Buffer.concat(STREAM_PIECES)),
      `the stream changed on its way:\n${received.toString("latin1")}`,
    );
    assert.equal(response.headers.get("x-aio-provider"), "anthropic");
    assert.equal(response.headers.get("x-aio-fallbacks"), null);
    assert.match(response.headers.get("x-aio-overhead-ms") ?? "", /^\d+\.\d{3}$/);
    assert.equal(response.headers.get("request-id"), "req_upstream_1");
    assert.equal(response.headers.get("anthropic-ratelimit-requests-remaining"), "99");

    const sent = upstream.received[0];
    assert.ok(sent);
    assert.equal(sent.url, "/v1/messages?beta=true");
    assert.equal(sent.headers["x-api-key"], PROVIDER_KEY);
    assert.equal(sent.headers.authorization, undefined, "the hub key never reaches the provider");
    assert.ok(!JSON.stringify(sent.headers).includes(key));
    assert.equal(sent.headers["anthropic-version"], "2023-06-01");
    assert.equal(sent.headers["anthropic-beta"], "interleaved-thinking-2025-05-14");
    assert.deepEqual(JSON.parse(sent.body), { ...JSON.parse(requestBody), model: "claude-sonnet-4-5" });

    const metrics = await (
      await fetch(`${running.url}/metrics`, { headers: { authorization: `Bearer ${key}` } })
    ).text();
    assert.match(metrics, /aio_tokens_total\{provider="anthropic",direction="in"\} 12/);
    assert.match(metrics, /aio_tokens_total\{provider="anthropic",direction="out"\} 42/);
    assert.match(metrics, /aio_upstream_first_byte_seconds_count\{provider="anthropic"\} 1/);
    assert.match(metrics, /aio_hub_overhead_seconds_count\{dialect="anthropic"\} 1/);
  });

  it("forwards a body whose model needs no mapping byte for byte", async (t) => {
    const upstream = await startUpstream(t, (response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end('{"id":"x","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4}}');
    });
    const hub = await startTestHub(
      t,
      simulatorConfig(undefined, { providers: { zai: { baseUrl: `${upstream.baseUrl}/api/paas/v4` } } }),
    );
    const key = await hub.addKey("sdk", ["chat"]);
    const running = await hub.listen();
    const body =
      '{ "model" : "glm-4.6",\n  "messages": [{"role":"user","content":"caf\\u00e9 ☕"}], "n": 1.0 }';
    const response = await fetch(`${running.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${key}`,
        connection: "keep-alive",
      },
      body,
    });
    assert.equal(response.status, 200);
    assert.equal(
      await response.text(),
      '{"id":"x","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4}}',
    );
    assert.equal(upstream.received[0]?.url, "/api/paas/v4/chat/completions");
    assert.equal(upstream.received[0]?.body, body);
    assert.equal(upstream.received[0]?.headers.authorization, `Bearer ${PROVIDER_KEY}`);
  });

  it("a client that disconnects mid-stream closes the connection to the provider", async (t) => {
    const left = await clientLeavesMidStream(t, {
      provider: "anthropic",
      model: "claude-sonnet-4-5",
      firstFrame: 'event: message_start\ndata: {"type":"message_start"}\n\n',
    });
    assert.match(left.firstChunk, /message_start/);
    assert.equal(left.closedResponses, 1, "the provider's connection is closed once the client left");
    assert.equal(left.inFlight, 0);
  });
});

describe("fallback and failures, against the simulators", () => {
  const withSimulators = async (t: { after(fn: () => Promise<void>): void }): Promise<Simulators> => {
    const simulators = await startSimulators({ providers: ["zai", "moonshot", "google"] });
    t.after(() => simulators.close());
    return simulators;
  };

  it("falls back before the first byte, mapping the model by role, and says so in x-aio-fallbacks", async (t) => {
    const simulators = await withSimulators(t);
    simulators.faults.inject("zai", { kind: "status", status: 529, times: 1 });
    const hub = await startTestHub(
      t,
      simulatorConfig(simulators, { resilience: { fallbacks: { zai: ["moonshot"] } } }),
    );
    const key = await hub.addKey("glm-user", ["chat"]);
    const running = await hub.listen();
    const response = await fetch(`${running.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": key, "anthropic-version": "2023-06-01" },
      body: JSON.stringify({
        model: "glm-4.5-air",
        max_tokens: 50,
        stream: true,
        messages: [{ role: "user", content: "hello" }],
      }),
    });
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.match(text, /"model":"kimi-k2-turbo-preview"/);
    assert.match(text, /event: message_stop/);
    assert.equal(response.headers.get("x-aio-provider"), "moonshot");
    assert.equal(response.headers.get("x-aio-fallbacks"), "zai=overloaded");
    const atMoonshot = simulators.requests().filter((request) => request.provider === "moonshot");
    assert.equal(atMoonshot.length, 1);
    assert.equal(
      JSON.parse(atMoonshot[0]!.body).model,
      "kimi-k2-turbo-preview",
      "the small model maps to the small model",
    );
    assert.equal(atMoonshot[0]!.path, "/anthropic/v1/messages");
  });

  it("count_tokens and countTokens pass through where the target has them; a Gemini stream without alt=sse stays one JSON array", async (t) => {
    const simulators = await withSimulators(t);
    const hub = await startTestHub(t, simulatorConfig(simulators));
    const key = await hub.addKey("counter", ["chat"]);
    const running = await hub.listen();
    const counted = await fetch(`${running.url}/v1/messages/count_tokens`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": key, "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: "glm-4.6", messages: [{ role: "user", content: "count me" }] }),
    });
    assert.equal(counted.status, 200);
    assert.equal(typeof pick(await counted.json(), "input_tokens"), "number");
    const geminiCount = await fetch(`${running.url}/v1beta/models/gemini-2.5-flash:countTokens`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": key },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "count me" }] }] }),
    });
    assert.equal(geminiCount.status, 200);
    assert.equal(typeof pick(await geminiCount.json(), "totalTokens"), "number");
    const array = await fetch(`${running.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": key },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "as an array" }] }] }),
    });
    assert.equal(array.status, 200);
    const chunks = await array.json();
    assert.ok(Array.isArray(chunks) && chunks.length > 1);
    assert.equal(
      chunks.map((chunk: unknown) => pick(chunk, "candidates", 0, "content", "parts", 0, "text")).join(""),
      "Simulated Gemini reply to: as an array",
    );
  });

  it("when every provider fails, answers in the dialect's shape with who was tried", async (t) => {
    const simulators = await withSimulators(t);
    simulators.faults.inject("zai", { kind: "status", status: 429, retryAfterSeconds: 7 });
    simulators.faults.inject("moonshot", { kind: "status", status: 429, retryAfterSeconds: 3 });
    const hub = await startTestHub(
      t,
      simulatorConfig(simulators, { resilience: { fallbacks: { zai: ["moonshot"] } } }),
    );
    const key = await hub.addKey("sdk", ["chat"]);
    const running = await hub.listen();
    const response = await fetch(`${running.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: "glm-4.6", messages: [{ role: "user", content: "hello" }] }),
    });
    assert.equal(response.status, 429);
    assert.equal(response.headers.get("retry-after"), "3");
    assert.equal(response.headers.get("x-aio-provider"), "moonshot");
    assert.equal(response.headers.get("x-aio-fallbacks"), "zai=rate_limit");
    const body = await response.json();
    assert.equal(pick(body, "error", "type"), "rate_limit_error");
    assert.match(String(pick(body, "error", "message")), /every provider failed/);
  });

  for (const dialect of ["anthropic", "openai", "gemini"] as const) {
    it(`${dialect}: a provider going silent mid-stream ends the stream with the dialect's error event, never a fallback`, async (t) => {
      const simulators = await withSimulators(t);
      const provider = dialect === "gemini" ? "google" : "zai";
      simulators.faults.inject(provider, { kind: "stall", afterEvents: 2 });
      const hub = await startTestHub(
        t,
        simulatorConfig(simulators, {
          providers: { [provider]: { policy: { retry: { maxAttempts: 1 }, timeouts: { idleMs: 300 } } } },
          resilience: { fallbacks: { zai: ["moonshot"] } },
        }),
      );
      const key = await hub.addKey("streamer", ["chat"]);
      const running = await hub.listen();
      const request = {
        anthropic: {
          path: "/v1/messages",
          body: {
            model: "glm-4.6",
            max_tokens: 50,
            stream: true,
            messages: [{ role: "user", content: "a long answer" }],
          },
        },
        openai: {
          path: "/v1/chat/completions",
          body: { model: "glm-4.6", stream: true, messages: [{ role: "user", content: "a long answer" }] },
        },
        gemini: {
          path: "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
          body: { contents: [{ role: "user", parts: [{ text: "a long answer" }] }] },
        },
      }[dialect];
      const response = await fetch(`${running.url}${request.path}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify(request.body),
      });
      assert.equal(response.status, 200);
      const text = await response.text();
      const events = text.trim().split(/\r?\n\r?\n/);
      const last = events.at(-1) ?? "";
      if (dialect === "anthropic")
        assert.match(last, /^event: error\ndata: \{"type":"error","error":\{"type":"timeout_error"/);
      if (dialect === "openai")
        assert.match(
          last,
          /^data: \{"error":\{"message":".*","type":"server_error","param":null,"code":"timeout"\}\}$/,
        );
      if (dialect === "gemini")
        assert.match(last, /^data: \{"error":\{"code":504,"message":".*","status":"DEADLINE_EXCEEDED"\}\}$/);
      assert.equal(events.length, 3, `two events from the provider, then the error:\n${text}`);
      assert.equal(
        simulators.requests().filter((each) => each.provider === "moonshot").length,
        0,
        "no fallback after the first byte",
      );
    });
  }

  it("a stream broken midway counts against the provider: its circuit opens and the next request falls back", async (t) => {
    const simulators = await withSimulators(t);
    simulators.faults.inject("zai", { kind: "stall", afterEvents: 2, times: 1 });
    const hub = await startTestHub(
      t,
      simulatorConfig(simulators, {
        providers: {
          zai: {
            policy: {
              retry: { maxAttempts: 1 },
              timeouts: { idleMs: 300 },
              breaker: { consecutiveFailures: 1, failureRate: 0 },
            },
          },
        },
        resilience: { fallbacks: { zai: ["moonshot"] } },
      }),
    );
    const key = await hub.addKey("streamer", ["chat"]);
    const running = await hub.listen();
    const ask = () =>
      fetch(`${running.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify({ model: "glm-4.6", stream: true, messages: [{ role: "user", content: "hi" }] }),
      });
    const broken = await ask();
    assert.equal(broken.headers.get("x-aio-provider"), "zai");
    assert.match(await broken.text(), /"code":"timeout"/);
    const next = await ask();
    assert.equal(next.status, 200);
    assert.match(await next.text(), /data: \[DONE\]/);
    assert.equal(next.headers.get("x-aio-provider"), "moonshot");
    assert.equal(next.headers.get("x-aio-fallbacks"), "zai=circuit_open");
  });
});
