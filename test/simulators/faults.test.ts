import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { after, before, describe, test } from "node:test";
import { AppError } from "../../src/errors.ts";
import { parseFaultSpec, type Simulators, startSimulators } from "../../src/simulators/index.ts";
import { getJson, postJson, sseFrames, uploadForm } from "./http.ts";

describe("simulator faults", () => {
  let simulators: Simulators;
  let anthropic: string;
  let moonshot: string;
  const key = { "x-api-key": "k", authorization: "Bearer k" };
  const chat = {
    model: "claude-sonnet-4-5",
    max_tokens: 16,
    messages: [{ role: "user", content: "fault me" }],
  };

  before(async () => {
    simulators = await startSimulators({ providers: ["anthropic", "moonshot"] });
    anthropic = simulators.endpoints.anthropic.baseUrl;
    moonshot = simulators.endpoints.moonshot.baseUrl;
  });
  after(() => simulators.close());

  test("a fault limited by times and match hits only those requests, then disappears", async () => {
    simulators.faults.inject("anthropic", { kind: "status", status: 503, times: 2, match: "/v1/messages" });
    assert.equal((await getJson(`${anthropic}/v1/models`, key)).status, 200);
    assert.equal((await postJson(`${anthropic}/v1/messages`, chat, key)).status, 503);
    assert.equal((await postJson(`${anthropic}/v1/messages`, chat, key)).status, 503);
    assert.equal((await postJson(`${anthropic}/v1/messages`, chat, key)).status, 200);
    simulators.faults.inject("anthropic", { kind: "status", status: 500 });
    simulators.faults.clear("anthropic");
    assert.equal((await postJson(`${anthropic}/v1/messages`, chat, key)).status, 200);
  });

  test("anthropic: out of credit is 402 billing_error with the request id", async () => {
    simulators.faults.inject("anthropic", { kind: "status", status: 402, times: 1 });
    const reply = await postJson(`${anthropic}/v1/messages`, chat, key);
    assert.equal(reply.status, 402);
    assert.match(
      reply.text,
      /^\{"type":"error","error":\{"type":"billing_error","message":"[^"]+"\},"request_id":"req_/,
    );
  });

  test("latency delays the answer but keeps it intact", async () => {
    simulators.faults.inject("anthropic", { kind: "latency", ms: 150, times: 1 });
    const started = performance.now();
    const reply = await postJson(`${anthropic}/v1/messages`, chat, key);
    assert.ok(performance.now() - started >= 140);
    assert.equal(reply.status, 200);
  });

  test("hang never answers: the caller's own timeout fires", async () => {
    simulators.faults.inject("anthropic", { kind: "hang", times: 1 });
    await assert.rejects(
      fetch(`${anthropic}/v1/messages`, {
        method: "POST",
        headers: key,
        body: JSON.stringify(chat),
        signal: AbortSignal.timeout(300),
      }),
      { name: "TimeoutError" },
    );
  });

  test("reset tears the connection down with ECONNRESET", async () => {
    simulators.faults.inject("anthropic", { kind: "reset", times: 1 });
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
      const request = httpRequest(`${anthropic}/v1/models`, { headers: key }, () =>
        resolve(new Error("answered")),
      );
      request.on("error", resolve);
      request.end();
    });
    assert.equal(error.code, "ECONNRESET");
  });

  test("malformed sends a body that does not parse, for JSON and for SSE", async () => {
    simulators.faults.inject("anthropic", { kind: "malformed", times: 2 });
    const plain = await postJson(`${anthropic}/v1/messages`, chat, key);
    assert.equal(plain.status, 200);
    assert.throws(() => plain.json(), SyntaxError);
    const streamed = await postJson(`${anthropic}/v1/messages`, { ...chat, stream: true }, key);
    const frames = sseFrames(streamed.text);
    assert.throws(() => frames.map((frame) => JSON.parse(frame.data)), SyntaxError);
  });

  test("stall sends the first events and then goes silent with the socket open", async () => {
    simulators.faults.inject("anthropic", { kind: "stall", afterEvents: 2, times: 1 });
    const controller = new AbortController();
    const response = await fetch(`${anthropic}/v1/messages`, {
      method: "POST",
      headers: key,
      body: JSON.stringify({ ...chat, stream: true }),
      signal: controller.signal,
    });
    assert.equal(response.status, 200);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let received = "";
    const timer = setTimeout(() => controller.abort(), 400);
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        received += value;
      }
      assert.fail("the stalled stream ended");
    } catch (error) {
      assert.equal((error as Error).name, "AbortError");
    } finally {
      clearTimeout(timer);
    }
    assert.deepEqual(
      sseFrames(received).map((frame) => frame.event),
      ["message_start", "ping"],
    );
  });

  test("lost-response: the file is stored although the caller never hears so", async () => {
    simulators.faults.inject("moonshot", { kind: "lost-response", match: "/v1/files", times: 1 });
    await assert.rejects(
      fetch(`${moonshot}/files`, {
        method: "POST",
        headers: key,
        body: uploadForm("kept.txt", "kept anyway", { purpose: "file-extract" }),
      }),
    );
    const list = (await getJson(`${moonshot}/files`, key)).body as { data: { filename: string }[] };
    assert.deepEqual(
      list.data.map((file) => file.filename),
      ["kept.txt"],
    );
  });

  test("faults can be armed, listed and cleared over HTTP, and bad ones are refused", async () => {
    const armed = await postJson(`${new URL(moonshot).origin}/_simulator/faults`, {
      kind: "status",
      status: 429,
      reason: "quota",
      times: 1,
    });
    assert.equal(armed.status, 201);
    assert.deepEqual((await getJson(`${new URL(moonshot).origin}/_simulator/faults`)).body, {
      faults: [{ kind: "status", status: 429, reason: "quota", times: 1 }],
    });
    const refused = await postJson(
      `${moonshot}/chat/completions`,
      { model: "kimi-k2.5", messages: [{ role: "user", content: "x" }] },
      key,
    );
    assert.equal(refused.status, 429);
    await postJson(`${new URL(moonshot).origin}/_simulator/faults`, { kind: "hang" });
    assert.equal((await getJson(`${new URL(moonshot).origin}/_simulator/faults`, {}, "DELETE")).status, 200);
    assert.deepEqual((await getJson(`${new URL(moonshot).origin}/_simulator/faults`)).body, { faults: [] });
    const bad = await postJson(`${new URL(moonshot).origin}/_simulator/faults`, { kind: "explode" });
    assert.equal(bad.status, 400);
    const requests = (await getJson(`${new URL(moonshot).origin}/_simulator/requests`)).body as {
      requests: { path: string }[];
    };
    assert.ok(requests.requests.some((request) => request.path === "/v1/chat/completions"));
    assert.ok(!requests.requests.some((request) => request.path.startsWith("/_simulator/")));
  });

  test("the CLI fault spec parses every kind and names the problem when wrong", () => {
    assert.deepEqual(parseFaultSpec("moonshot:status=429,retryAfterSeconds=3,times=2,match=/chat"), {
      provider: "moonshot",
      fault: { kind: "status", status: 429, retryAfterSeconds: 3, times: 2, match: "/chat" },
    });
    assert.deepEqual(parseFaultSpec("google:latency=250").fault, { kind: "latency", ms: 250 });
    assert.deepEqual(parseFaultSpec("zai:stall=3").fault, { kind: "stall", afterEvents: 3 });
    assert.deepEqual(parseFaultSpec("anthropic:lost-response").fault, { kind: "lost-response" });
    assert.deepEqual(parseFaultSpec('anthropic:{"kind":"reset","times":1}').fault, {
      kind: "reset",
      times: 1,
    });
    assert.throws(() => parseFaultSpec("openai:hang"), AppError);
    assert.throws(() => parseFaultSpec("zai:status=abc"), /status/);
    assert.throws(() => parseFaultSpec("zai:explode"), /kinds are/);
  });
});
