// Responses recorded from the providers' documented and observed behaviour (fixtures/), replayed
// by a plain HTTP server in small uneven chunks: the quirks the simulators do not produce.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { collectChatStream } from "../../src/providers/chat.ts";
import { isProviderError } from "../../src/providers/errors.ts";
import { createMoonshotClient } from "../../src/providers/moonshot/moonshot-client.ts";
import { createZaiClient } from "../../src/providers/zai/zai-client.ts";

interface Recording {
  status: number;
  contentType: string;
  body: string;
}

const FIXTURES = join(import.meta.dirname, "fixtures");
const sse = (name: string): Recording => ({
  status: 200,
  contentType: "text/event-stream",
  body: readFileSync(join(FIXTURES, name), "utf8"),
});

describe("recorded provider responses", () => {
  let server: Server;
  let baseUrl = "";
  let next: Recording = { status: 200, contentType: "text/plain", body: "" };

  before(async () => {
    server = createServer((request, response) => {
      request.resume();
      response.writeHead(next.status, { "content-type": next.contentType });
      // Seven-byte pieces: events, lines and UTF-8 characters split across chunks.
      const bytes = Buffer.from(next.body);
      let offset = 0;
      const pump = (): void => {
        if (offset >= bytes.length) {
          response.end();
          return;
        }
        response.write(bytes.subarray(offset, offset + 7));
        offset += 7;
        setImmediate(pump);
      };
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    if (address === null || typeof address === "string")
      throw new Error("the recording server has no TCP port");
    baseUrl = `http://127.0.0.1:${address.port}/v1`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("Moonshot: joins tool-call pieces that lack an index and reads usage at the top level", async () => {
    next = sse("moonshot-stream-tool-calls-top-level-usage.sse");
    const client = createMoonshotClient({ apiKey: "sk-test", baseUrl });
    try {
      const response = await collectChatStream(
        "moonshot",
        "kimi-k2-turbo-preview",
        client.streamChat({
          model: "kimi-k2-turbo-preview",
          messages: [{ role: "user", content: "weather?" }],
        }),
      );
      assert.equal(response.text, "Checking the weather.");
      assert.deepEqual(response.toolCalls, [
        { id: "get_weather:0", name: "get_weather", arguments: '{"city":"Paris"}' },
        { id: "get_time:1", name: "get_time", arguments: "{}" },
      ]);
      assert.equal(response.finishReason, "tool_calls");
      assert.deepEqual(response.usage, {
        inputTokens: 57,
        outputTokens: 31,
        totalTokens: 88,
        cachedInputTokens: 16,
      });
    } finally {
      await client.close();
    }
  });

  it("Moonshot: reads usage from inside the last choice", async () => {
    next = sse("moonshot-stream-choice-usage.sse");
    const client = createMoonshotClient({ apiKey: "sk-test", baseUrl });
    try {
      const response = await collectChatStream(
        "moonshot",
        "kimi-k2-turbo-preview",
        client.streamChat({ model: "kimi-k2-turbo-preview", messages: [{ role: "user", content: "hi" }] }),
      );
      assert.equal(response.text, "Hello.");
      assert.deepEqual(response.usage, {
        inputTokens: 8,
        outputTokens: 2,
        totalTokens: 10,
        cachedInputTokens: 0,
      });
    } finally {
      await client.close();
    }
  });

  it("Z.ai: a stream that ends with finish_reason sensitive is a failure, not an answer", async () => {
    next = sse("zai-stream-sensitive.sse");
    const client = createZaiClient({ apiKey: "zai-test", baseUrl });
    try {
      await assert.rejects(
        collectChatStream(
          "zai",
          "glm-4.6",
          client.streamChat({ model: "glm-4.6", messages: [{ role: "user", content: "x" }] }),
        ),
        (error) => {
          assert.ok(isProviderError(error));
          assert.equal(error.kind, "invalid_request");
          assert.equal(error.retryable, false);
          assert.equal(error.providerCode, "sensitive");
          return true;
        },
      );
    } finally {
      await client.close();
    }
  });

  it("Moonshot: file content that is plain text, not the JSON wrapper, is returned as it is", async () => {
    next = { status: 200, contentType: "text/plain", body: "Extracted text, no wrapper.\n" };
    const client = createMoonshotClient({ apiKey: "sk-test", baseUrl });
    try {
      const content = await client.files.content("co3t989kqq4ua4e78urg");
      assert.equal(content.text, "Extracted text, no wrapper.\n");
    } finally {
      await client.close();
    }
  });

  it("an HTML gateway page instead of JSON is a retryable server error naming the page", async () => {
    next = {
      status: 502,
      contentType: "text/html",
      body: "<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>",
    };
    const client = createMoonshotClient({ apiKey: "sk-test", baseUrl });
    try {
      await assert.rejects(client.listModels(), (error) => {
        assert.ok(isProviderError(error));
        assert.equal(error.kind, "server");
        assert.equal(error.retryable, true);
        assert.equal(error.status, 502);
        assert.match(error.message, /502 Bad Gateway/);
        return true;
      });
    } finally {
      await client.close();
    }
  });

  it("a 200 whose body is cut-off JSON is a protocol error", async () => {
    next = { status: 200, contentType: "application/json", body: '{"object":"list","data":[{"id":"kimi' };
    const client = createMoonshotClient({ apiKey: "sk-test", baseUrl });
    try {
      await assert.rejects(client.listModels(), (error) => {
        assert.ok(isProviderError(error));
        assert.equal(error.kind, "protocol");
        return true;
      });
    } finally {
      await client.close();
    }
  });

  it("a 200 whose JSON has the wrong shape is a protocol error naming the field", async () => {
    next = {
      status: 200,
      contentType: "application/json",
      body: '{"object":"list","data":[{"name":"kimi"}]}',
    };
    const client = createMoonshotClient({ apiKey: "sk-test", baseUrl });
    try {
      await assert.rejects(client.listModels(), (error) => {
        assert.ok(isProviderError(error));
        assert.equal(error.kind, "protocol");
        assert.match(error.message, /data\.0\.id/);
        return true;
      });
    } finally {
      await client.close();
    }
  });

  it("a delete answered with deleted: false fails, on Moonshot and Z.ai alike", async () => {
    for (const client of [
      createMoonshotClient({ apiKey: "sk-test", baseUrl }),
      createZaiClient({ apiKey: "zai-test", baseUrl }),
    ]) {
      next = {
        status: 200,
        contentType: "application/json",
        body: '{"id":"co3t989kqq4ua4e78urg","object":"file","deleted":false}',
      };
      try {
        await assert.rejects(client.files.delete("co3t989kqq4ua4e78urg"), (error) => {
          assert.ok(isProviderError(error));
          assert.equal(error.kind, "server");
          assert.match(error.message, /co3t989kqq4ua4e78urg was not deleted/);
          return true;
        });
      } finally {
        await client.close();
      }
    }
  });
});
