import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Simulators, startSimulators } from "../../src/simulators/index.ts";
import { getJson, postJson, sseFrames, uploadForm } from "./http.ts";

describe("Moonshot simulator", () => {
  let simulators: Simulators;
  let base: string;
  let anthropicBase: string;
  const key = { authorization: "Bearer sk-moon-good" };
  const chat = { model: "kimi-k2-turbo-preview", messages: [{ role: "user", content: "hello kimi" }] };

  before(async () => {
    simulators = await startSimulators({ providers: ["moonshot"], keys: { moonshot: ["sk-moon-good"] } });
    base = simulators.endpoints.moonshot.baseUrl;
    anthropicBase = simulators.endpoints.moonshot.anthropicBaseUrl ?? "";
  });
  after(() => simulators.close());

  test("401 bodies: incorrect key and missing authentication", async () => {
    const wrong = await postJson(`${base}/chat/completions`, chat, { authorization: "Bearer sk-wrong" });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.json(), {
      error: { type: "incorrect_api_key_error", message: "Incorrect API key provided" },
    });
    const missing = await postJson(`${base}/chat/completions`, chat);
    assert.deepEqual(missing.json(), {
      error: { type: "invalid_authentication_error", message: "Invalid Authentication" },
    });
  });

  test("streamed usage sits inside the final choice, then data: [DONE]; thinking models add reasoning_content", async () => {
    const frames = sseFrames(
      (await postJson(`${base}/chat/completions`, { ...chat, stream: true }, key)).text,
    );
    assert.equal(frames.at(-1)?.data, "[DONE]");
    const final = JSON.parse(frames.at(-2)?.data ?? "{}") as {
      object: string;
      usage?: unknown;
      choices: { finish_reason: string; usage: { total_tokens: number } }[];
    };
    assert.equal(final.object, "chat.completion.chunk");
    assert.equal(final.usage, undefined);
    assert.equal(final.choices[0]?.finish_reason, "stop");
    assert.ok((final.choices[0]?.usage.total_tokens ?? 0) > 0);

    const thinking = (
      await postJson(`${base}/chat/completions`, { ...chat, model: "kimi-k2-thinking" }, key)
    ).json() as {
      object: string;
      choices: { message: { content: string; reasoning_content?: string } }[];
    };
    assert.equal(thinking.object, "chat.completion");
    assert.equal(thinking.choices[0]?.message.content, "Simulated Moonshot reply to: hello kimi");
    assert.ok(thinking.choices[0]?.message.reasoning_content);
  });

  test("429s: rate limit with 'please try again after N seconds', quota and overload types", async () => {
    simulators.faults.inject("moonshot", { kind: "status", status: 429, retryAfterSeconds: 3, times: 1 });
    const limited = (await postJson(`${base}/chat/completions`, chat, key)).json() as {
      error: { type: string; message: string };
    };
    assert.equal(limited.error.type, "rate_limit_reached_error");
    assert.match(limited.error.message, /please try again after 3 seconds$/);
    simulators.faults.inject("moonshot", { kind: "status", status: 429, times: 1 });
    const noHint = (await postJson(`${base}/chat/completions`, chat, key)).json() as {
      error: { type: string; message: string };
    };
    assert.equal(noHint.error.type, "rate_limit_reached_error");
    assert.doesNotMatch(noHint.error.message, /try again after/);
    simulators.faults.inject("moonshot", { kind: "status", status: 429, reason: "quota", times: 1 });
    const quota = await postJson(`${base}/chat/completions`, chat, key);
    assert.equal(quota.status, 429);
    assert.equal((quota.json() as { error: { type: string } }).error.type, "exceeded_current_quota_error");
    simulators.faults.inject("moonshot", { kind: "status", status: 429, reason: "overloaded", times: 1 });
    const overloaded = (await postJson(`${base}/chat/completions`, chat, key)).json() as {
      error: { type: string };
    };
    assert.equal(overloaded.error.type, "engine_overloaded_error");
  });

  test("files: 20-char unprefixed ids, status ok, list without has_more, JSON content wrapper, delete", async () => {
    const response = await fetch(`${base}/files`, {
      method: "POST",
      headers: key,
      body: uploadForm("notes.txt", "the extracted text", { purpose: "file-extract" }),
    });
    assert.equal(response.status, 200);
    const file = (await response.json()) as Record<string, unknown>;
    assert.match(String(file.id), /^[0-9a-v]{20}$/);
    assert.deepEqual(file, {
      id: file.id,
      object: "file",
      bytes: 18,
      created_at: file.created_at,
      filename: "notes.txt",
      purpose: "file-extract",
      status: "ok",
      status_details: "",
    });
    const list = (await getJson(`${base}/files`, key)).body as Record<string, unknown>;
    assert.deepEqual(Object.keys(list).sort(), ["data", "object"]);
    assert.deepEqual((await getJson(`${base}/files/${file.id}`, key)).body, file);
    assert.deepEqual((await getJson(`${base}/files/${file.id}/content`, key)).body, {
      content: "the extracted text",
      file_type: "text/plain",
      filename: "notes.txt",
      title: "",
      type: "file",
    });
    assert.deepEqual((await getJson(`${base}/files/${file.id}`, key, "DELETE")).body, {
      id: file.id,
      object: "file",
      deleted: true,
    });
    assert.equal((await getJson(`${base}/files/${file.id}`, key)).status, 404);
  });

  test("upload errors: empty file, over 100 MB, bad purpose, with the exact texts", async () => {
    const upload = async (
      name: string,
      content: Uint8Array | string,
      purpose = "file-extract",
    ): Promise<unknown> => {
      const response = await fetch(`${base}/files`, {
        method: "POST",
        headers: key,
        body: uploadForm(name, content, { purpose }),
      });
      assert.equal(response.status, 400);
      return response.json();
    };
    assert.deepEqual(await upload("empty.txt", ""), {
      error: {
        type: "invalid_request_error",
        message: "File size is zero, please confirm and re-upload the file",
      },
    });
    assert.deepEqual(await upload("huge.pdf", new Uint8Array(100 * 1024 * 1024 + 1)), {
      error: {
        type: "invalid_request_error",
        message: "File size is too large, max file size is 100MB, please confirm and re-upload the file",
      },
    });
    assert.deepEqual(await upload("a.txt", "x", "assistants"), {
      error: { type: "invalid_request_error", message: "Invalid purpose: only 'file-extract' accepted" },
    });
  });

  test("the 1,001st file is refused with the max file count text", async () => {
    const isolated = await startSimulators({ providers: ["moonshot"] });
    try {
      const url = `${isolated.endpoints.moonshot.baseUrl}/files`;
      for (let index = 0; index < 1000; index += 1) {
        const response = await fetch(url, {
          method: "POST",
          headers: key,
          body: uploadForm(`f${index}.txt`, "x", { purpose: "file-extract" }),
        });
        assert.equal(response.status, 200);
        await response.arrayBuffer();
      }
      const refused = await fetch(url, {
        method: "POST",
        headers: key,
        body: uploadForm("last.txt", "x", { purpose: "file-extract" }),
      });
      assert.equal(refused.status, 400);
      assert.deepEqual(await refused.json(), {
        error: {
          type: "invalid_request_error",
          message:
            "The number of files you have uploaded exceeded the max file count 1000, please delete previous uploaded files",
        },
      });
    } finally {
      await isolated.close();
    }
  });

  test("balance and token estimate use the wrapped {code,data,scode,status} form", async () => {
    const balance = (await getJson(`${base}/users/me/balance`, key)).body as {
      code: number;
      data: { available_balance: number; voucher_balance: number; cash_balance: number };
      scode: string;
      status: boolean;
    };
    assert.equal(balance.code, 0);
    assert.equal(balance.scode, "0x0");
    assert.equal(balance.status, true);
    assert.equal(typeof balance.data.available_balance, "number");
    const estimate = await postJson(`${base}/tokenizers/estimate-token-count`, chat, key);
    const body = estimate.json() as {
      code: number;
      data: { total_tokens: number };
      scode: string;
      status: boolean;
    };
    assert.deepEqual({ ...body, data: {} }, { code: 0, data: {}, scode: "0x0", status: true });
    assert.ok(body.data.total_tokens > 0);
  });

  test("unknown routes get the gateway envelope, not {error:{}}", async () => {
    const reply = await getJson(`${base}/no/such/route?x=1`, { ...key, "user-agent": "probe/1" });
    assert.equal(reply.status, 404);
    assert.deepEqual(reply.body, {
      code: 5,
      error: "url.not_found",
      message: "没找到对象",
      method: "GET",
      scode: "0x5",
      status: false,
      ua: "probe/1",
      url: "/v1/no/such/route?x=1",
    });
  });

  test("Anthropic-compatible endpoint: Messages reply; unknown model is resource_not_found_error with a UUID request_id", async () => {
    const ok = await postJson(
      `${anthropicBase}/v1/messages`,
      {
        model: "kimi-k2.5",
        max_tokens: 20,
        stream: true,
        messages: [{ role: "user", content: "kimi via anthropic" }],
      },
      key,
    );
    const frames = sseFrames(ok.text);
    assert.equal(frames.at(-1)?.event, "message_stop");
    const missing = await postJson(
      `${anthropicBase}/v1/messages`,
      { model: "k2-instruct-0905", max_tokens: 20, messages: [{ role: "user", content: "x" }] },
      key,
    );
    assert.equal(missing.status, 404);
    const body = missing.json() as { error: unknown; request_id: string; type: string };
    assert.deepEqual(body, {
      error: {
        type: "resource_not_found_error",
        message: "Not found the model k2-instruct-0905 or Permission denied",
      },
      request_id: body.request_id,
      type: "error",
    });
    assert.match(body.request_id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });
});
