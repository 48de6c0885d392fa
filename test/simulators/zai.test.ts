import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Simulators, startSimulators } from "../../src/simulators/index.ts";
import { getJson, postJson, sseFrames, uploadForm } from "./http.ts";

describe("Z.ai simulator", () => {
  let simulators: Simulators;
  let base: string;
  let anthropicBase: string;
  const key = { authorization: "Bearer zai-good" };
  const chat = { model: "glm-4.6", messages: [{ role: "user", content: "hello glm" }] };

  before(async () => {
    simulators = await startSimulators({ providers: ["zai"], keys: { zai: ["zai-good"] } });
    base = simulators.endpoints.zai.baseUrl;
    anthropicBase = simulators.endpoints.zai.anthropicBaseUrl ?? "";
  });
  after(() => simulators.close());

  test("a wrong token gets business code 1002 as a digit string; a missing one 1001", async () => {
    const wrong = await postJson(`${base}/chat/completions`, chat, { authorization: "Bearer nope" });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.json(), {
      error: {
        code: "1002",
        message:
          "Authorization Token is invalid, please ensure that the Authorization Token is correctly provided.",
      },
    });
    const missing = await postJson(`${base}/chat/completions`, chat);
    assert.equal((missing.json() as { error: { code: string } }).error.code, "1001");
  });

  test("chat returns reasoning_content when thinking is on, none when it is off", async () => {
    const thinking = (
      await postJson(`${base}/chat/completions`, { ...chat, thinking: { type: "enabled" } }, key)
    ).json() as {
      request_id: string;
      choices: { message: { content: string; reasoning_content?: string }; finish_reason: string }[];
    };
    assert.equal(thinking.choices[0]?.message.content, "Simulated Z.ai reply to: hello glm");
    assert.ok(thinking.choices[0]?.message.reasoning_content);
    assert.equal(thinking.choices[0]?.finish_reason, "stop");
    assert.ok(thinking.request_id);
    const plain = (
      await postJson(`${base}/chat/completions`, { ...chat, thinking: { type: "disabled" } }, key)
    ).json() as {
      choices: { message: { reasoning_content?: string } }[];
    };
    assert.equal(plain.choices[0]?.message.reasoning_content, undefined);
  });

  test("streams chunks ending with data: [DONE]; a mid-stream failure is only a finish_reason", async () => {
    const reply = await postJson(`${base}/chat/completions`, { ...chat, stream: true }, key);
    const frames = sseFrames(reply.text);
    assert.equal(frames.at(-1)?.data, "[DONE]");
    const chunks = frames
      .slice(0, -1)
      .map(
        (frame) =>
          JSON.parse(frame.data) as { choices: { delta: { content?: string }; finish_reason?: string }[] },
      );
    assert.equal(
      chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join(""),
      "Simulated Z.ai reply to: hello glm",
    );
    assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, "stop");

    simulators.faults.inject("zai", { kind: "stream-error", times: 1 });
    const failed = sseFrames(
      (await postJson(`${base}/chat/completions`, { ...chat, stream: true }, key)).text,
    );
    assert.equal(failed.at(-1)?.data, "[DONE]");
    const end = JSON.parse(failed.at(-2)?.data ?? "{}") as { choices: { finish_reason: string }[] };
    assert.equal(end.choices[0]?.finish_reason, "network_error");
    assert.ok(!failed.some((frame) => frame.data.includes('"error"')));
  });

  test("429s carry business codes 1302, 1113 and 1305; unknown models 1211", async () => {
    for (const [reason, code] of [
      ["rate_limit", "1302"],
      ["quota", "1113"],
      ["overloaded", "1305"],
    ] as const) {
      simulators.faults.inject("zai", { kind: "status", status: 429, reason, times: 1 });
      const reply = await postJson(`${base}/chat/completions`, chat, key);
      assert.equal(reply.status, 429);
      assert.equal((reply.json() as { error: { code: string } }).error.code, code);
    }
    const unknown = await postJson(`${base}/chat/completions`, { ...chat, model: "gpt-4o" }, key);
    assert.equal(unknown.status, 400);
    assert.equal((unknown.json() as { error: { code: string } }).error.code, "1211");
  });

  test("files: upload, has_more paging, bytes content, per-purpose limits, delete", async () => {
    const ids: string[] = [];
    for (const name of ["one.jsonl", "two.jsonl", "three.jsonl"]) {
      const response = await fetch(`${base}/files`, {
        method: "POST",
        headers: key,
        body: uploadForm(name, `{"line":"${name}"}\n`, { purpose: "batch" }),
      });
      assert.equal(response.status, 200);
      const file = (await response.json()) as { id: string; object: string; bytes: number; purpose: string };
      assert.equal(file.object, "file");
      assert.equal(file.purpose, "batch");
      ids.push(file.id);
    }
    const page = (await getJson(`${base}/files?purpose=batch&limit=2`, key)).body as {
      object: string;
      data: { id: string }[];
      has_more: boolean;
    };
    assert.equal(page.object, "list");
    assert.deepEqual(
      page.data.map((file) => file.id),
      [ids[2], ids[1]],
    );
    assert.equal(page.has_more, true);
    const rest = (await getJson(`${base}/files?purpose=batch&limit=2&after=${ids[1]}`, key)).body as {
      data: { id: string }[];
      has_more: boolean;
    };
    assert.deepEqual(
      rest.data.map((file) => file.id),
      [ids[0]],
    );
    assert.equal(rest.has_more, false);

    const content = await fetch(`${base}/files/${ids[0]}/content`, { headers: key });
    assert.equal(content.headers.get("content-type"), "application/octet-stream");
    assert.equal(await content.text(), '{"line":"one.jsonl"}\n');

    const tooBig = await fetch(`${base}/files`, {
      method: "POST",
      headers: key,
      body: uploadForm("big.pdf", new Uint8Array(5 * 1024 * 1024 + 1), { purpose: "retrieval" }),
    });
    assert.equal(tooBig.status, 400);
    assert.equal(((await tooBig.json()) as { error: { code: string } }).error.code, "1214");
    const empty = await fetch(`${base}/files`, {
      method: "POST",
      headers: key,
      body: uploadForm("e.jsonl", "", { purpose: "batch" }),
    });
    assert.equal(empty.status, 400);

    const deleted = await getJson(`${base}/files/${ids[0]}`, key, "DELETE");
    assert.deepEqual(deleted.body, { id: ids[0], deleted: true, object: "file" });
  });

  test("Anthropic-compatible endpoint: Messages shape, Claude names mapped to GLM, 529 with [1305]", async () => {
    const reply = await postJson(
      `${anthropicBase}/v1/messages`,
      {
        model: "claude-sonnet-4-5",
        max_tokens: 50,
        messages: [{ role: "user", content: "hi via anthropic" }],
      },
      { "x-api-key": "zai-good", "anthropic-version": "2023-06-01" },
    );
    const message = reply.json() as { type: string; model: string; content: { text: string }[] };
    assert.equal(message.type, "message");
    assert.equal(message.model, "glm-4.6");
    assert.equal(message.content[0]?.text, "Simulated Z.ai reply to: hi via anthropic");

    simulators.faults.inject("zai", { kind: "status", status: 529, match: "/api/anthropic/", times: 1 });
    const overloaded = await postJson(
      `${anthropicBase}/v1/messages`,
      { model: "glm-4.6", max_tokens: 50, messages: [{ role: "user", content: "x" }] },
      key,
    );
    assert.equal(overloaded.status, 529);
    const body = overloaded.json() as { type: string; error: { type: string; message: string } };
    assert.equal(body.type, "error");
    assert.equal(body.error.type, "overloaded_error");
    assert.match(body.error.message, /^\[1305\]\[/);
  });
});
