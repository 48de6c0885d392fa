import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Simulators, startSimulators } from "../../src/simulators/index.ts";
import { getJson, postJson, sseFrames, uploadForm } from "./http.ts";

describe("Anthropic simulator", () => {
  let simulators: Simulators;
  let base: string;
  const key = { "x-api-key": "sk-ant-good", "anthropic-version": "2023-06-01" };
  const chat = {
    model: "claude-sonnet-4-5",
    max_tokens: 64,
    messages: [{ role: "user", content: "hello anthropic" }],
  };

  before(async () => {
    simulators = await startSimulators({
      providers: ["anthropic"],
      keys: { anthropic: ["sk-ant-good", "bearer-good"] },
    });
    base = simulators.endpoints.anthropic.baseUrl;
  });
  after(() => simulators.close());

  test("rejects a missing or unknown key with Anthropic's 401 envelope and a matching request-id", async () => {
    const missing = await postJson(`${base}/v1/messages`, chat);
    assert.equal(missing.status, 401);
    const body = missing.json();
    assert.deepEqual(body, {
      type: "error",
      error: { type: "authentication_error", message: "x-api-key header is required" },
      request_id: missing.headers.get("request-id"),
    });
    assert.match(missing.headers.get("request-id") ?? "", /^req_011C[A-Za-z0-9]{20}$/);
    const wrong = await postJson(`${base}/v1/messages`, chat, { "x-api-key": "sk-ant-bad" });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.json(), {
      type: "error",
      error: { type: "authentication_error", message: "invalid x-api-key" },
      request_id: wrong.headers.get("request-id"),
    });
  });

  test("answers HEAD / and a Bearer-authenticated ?beta=true call, and records which key arrived", async () => {
    simulators.clearRequests();
    const head = await fetch(`${base}/`, { method: "HEAD" });
    assert.equal(head.status, 200);
    const reply = await postJson(`${base}/v1/messages?beta=true`, chat, {
      authorization: "Bearer bearer-good",
    });
    assert.equal(reply.status, 200);
    const message = reply.json();
    assert.deepEqual(message, {
      id: (message as { id: string }).id,
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-5",
      content: [{ type: "text", text: "Simulated Anthropic reply to: hello anthropic" }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: (message as { usage: unknown }).usage,
    });
    const recorded = simulators.requests();
    assert.deepEqual(
      recorded.map((request) => [request.method, request.path]),
      [
        ["HEAD", "/"],
        ["POST", "/v1/messages?beta=true"],
      ],
    );
    assert.equal(recorded[1]?.headers.authorization, "Bearer bearer-good");
  });

  test("streams the full event sequence with pings, ending at message_stop without [DONE]", async () => {
    const reply = await postJson(`${base}/v1/messages`, { ...chat, stream: true }, key);
    assert.equal(reply.status, 200);
    assert.match(reply.headers.get("content-type") ?? "", /^text\/event-stream/);
    const frames = sseFrames(reply.text);
    const events = frames.map((frame) => frame.event);
    assert.equal(events[0], "message_start");
    assert.ok(events.includes("ping"));
    assert.deepEqual(events.slice(-3), ["content_block_stop", "message_delta", "message_stop"]);
    assert.ok(!reply.text.includes("[DONE]"));
    for (const frame of frames) assert.equal((JSON.parse(frame.data) as { type: string }).type, frame.event);
    const text = frames
      .filter((frame) => frame.event === "content_block_delta")
      .map((frame) => (JSON.parse(frame.data) as { delta: { text: string } }).delta.text)
      .join("");
    assert.equal(text, "Simulated Anthropic reply to: hello anthropic");
  });

  test("adds a thinking block with a signature when thinking is enabled", async () => {
    const reply = await postJson(
      `${base}/v1/messages`,
      { ...chat, thinking: { type: "enabled", budget_tokens: 1024 } },
      key,
    );
    const content = (reply.json() as { content: { type: string; signature?: string }[] }).content;
    assert.deepEqual(
      content.map((block) => block.type),
      ["thinking", "text"],
    );
    assert.ok((content[0]?.signature ?? "").length > 0);
  });

  test("validates the request like Anthropic: field path and invalid_request_error", async () => {
    const reply = await postJson(
      `${base}/v1/messages`,
      { model: "claude-sonnet-4-5", messages: chat.messages },
      key,
    );
    assert.equal(reply.status, 400);
    const body = reply.json() as { error: { type: string; message: string } };
    assert.equal(body.error.type, "invalid_request_error");
    assert.match(body.error.message, /^max_tokens: /);
    const notJson = await fetch(`${base}/v1/messages`, { method: "POST", headers: key, body: "{oops" });
    assert.equal(notJson.status, 400);
  });

  test("counts tokens and lists models", async () => {
    const count = await postJson(
      `${base}/v1/messages/count_tokens`,
      { model: chat.model, messages: chat.messages },
      key,
    );
    assert.equal(count.status, 200);
    assert.ok((count.json() as { input_tokens: number }).input_tokens > 0);
    const models = await getJson(`${base}/v1/models`, key);
    const list = models.body as { data: { id: string; type: string }[]; has_more: boolean; first_id: string };
    assert.equal(list.has_more, false);
    assert.equal(list.first_id, list.data[0]?.id);
    assert.ok(list.data.every((model) => model.type === "model" && model.id.startsWith("claude-")));
  });

  test("Files API: file_ ids, newest-first paging with has_more/first_id/last_id, no download of uploads, file_deleted", async () => {
    const ids: string[] = [];
    for (const name of ["a.txt", "b.txt", "c.txt"]) {
      const response = await fetch(`${base}/v1/files?beta=true`, {
        method: "POST",
        headers: { ...key, "anthropic-beta": "files-api-2025-04-14" },
        body: uploadForm(name, `content of ${name}`),
      });
      assert.equal(response.status, 200);
      const file = (await response.json()) as {
        id: string;
        type: string;
        size_bytes: number;
        downloadable: boolean;
      };
      assert.match(file.id, /^file_/);
      assert.equal(file.type, "file");
      assert.equal(file.size_bytes, `content of ${name}`.length);
      assert.equal(file.downloadable, false);
      ids.push(file.id);
    }
    const first = (await getJson(`${base}/v1/files?limit=2`, key)).body as {
      data: { id: string }[];
      has_more: boolean;
      first_id: string;
      last_id: string;
    };
    assert.deepEqual(
      first.data.map((file) => file.id),
      [ids[2], ids[1]],
    );
    assert.equal(first.has_more, true);
    assert.equal(first.first_id, ids[2]);
    assert.equal(first.last_id, ids[1]);
    const second = (await getJson(`${base}/v1/files?limit=2&after_id=${first.last_id}`, key)).body as {
      data: { id: string }[];
      has_more: boolean;
    };
    assert.deepEqual(
      second.data.map((file) => file.id),
      [ids[0]],
    );
    assert.equal(second.has_more, false);

    const content = await getJson(`${base}/v1/files/${ids[0]}/content`, key);
    assert.equal(content.status, 400);
    const deleted = await getJson(`${base}/v1/files/${ids[0]}`, key, "DELETE");
    assert.deepEqual(deleted.body, { id: ids[0], type: "file_deleted" });
    const gone = await getJson(`${base}/v1/files/${ids[0]}`, key);
    assert.equal(gone.status, 404);
    assert.equal((gone.body as { error: { type: string } }).error.type, "not_found_error");
  });

  test("529 overloaded_error and 429 with retry-after, each with request_id", async () => {
    simulators.faults.inject("anthropic", { kind: "status", status: 529, times: 1 });
    const overloaded = await postJson(`${base}/v1/messages`, chat, key);
    assert.equal(overloaded.status, 529);
    assert.deepEqual(overloaded.json(), {
      type: "error",
      error: { type: "overloaded_error", message: "Overloaded" },
      request_id: overloaded.headers.get("request-id"),
    });
    simulators.faults.inject("anthropic", { kind: "status", status: 429, retryAfterSeconds: 7, times: 1 });
    const limited = await postJson(`${base}/v1/messages`, chat, key);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get("retry-after"), "7");
    assert.equal((limited.json() as { error: { type: string } }).error.type, "rate_limit_error");
    simulators.faults.inject("anthropic", { kind: "status", status: 429, times: 1 });
    const bare = await postJson(`${base}/v1/messages`, chat, key);
    assert.equal(bare.status, 429);
    assert.equal(bare.headers.get("retry-after"), null);
    simulators.faults.inject("anthropic", { kind: "status", status: 500, times: 1 });
    const broken = await postJson(`${base}/v1/messages`, chat, key);
    assert.equal(broken.status, 500);
    assert.equal((broken.json() as { error: { type: string } }).error.type, "api_error");
    simulators.faults.inject("anthropic", { kind: "status", status: 504, times: 1 });
    const timedOut = await postJson(`${base}/v1/messages`, chat, key);
    assert.equal(timedOut.status, 504);
    assert.equal((timedOut.json() as { error: { type: string } }).error.type, "timeout_error");
    assert.equal((await postJson(`${base}/v1/messages`, chat, key)).status, 200);
  });

  test("stream-error: an error event after HTTP 200, and no message_stop", async () => {
    simulators.faults.inject("anthropic", { kind: "stream-error", times: 1 });
    const reply = await postJson(`${base}/v1/messages`, { ...chat, stream: true }, key);
    assert.equal(reply.status, 200);
    const frames = sseFrames(reply.text);
    const last = frames.at(-1);
    assert.equal(last?.event, "error");
    assert.equal(
      (JSON.parse(last?.data ?? "{}") as { error: { type: string } }).error.type,
      "overloaded_error",
    );
    assert.ok(!frames.some((frame) => frame.event === "message_stop"));
  });
});
