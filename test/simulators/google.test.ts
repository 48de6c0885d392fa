import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { type Fault, type Simulators, startSimulators } from "../../src/simulators/index.ts";
import { getJson, postJson, sseFrames } from "./http.ts";

interface GoogleError {
  code: number;
  status: string;
  message: string;
  details?: unknown[];
}

describe("Gemini simulator", () => {
  let simulators: Simulators;
  let base: string;
  let clock = Date.parse("2026-09-01T10:00:00Z");
  const key = { "x-goog-api-key": "gem-good" };
  const request = { contents: [{ role: "user", parts: [{ text: "hello gemini" }] }] };

  before(async () => {
    simulators = await startSimulators({
      providers: ["google"],
      keys: { google: ["gem-good"] },
      now: () => clock,
    });
    base = simulators.endpoints.google.baseUrl;
  });
  after(() => simulators.close());

  test("an invalid key is 400 API_KEY_INVALID; a missing one 403; ?key= works like the header", async () => {
    const url = `${base}/v1beta/models/gemini-2.5-flash:generateContent`;
    const invalid = await postJson(url, request, { "x-goog-api-key": "nope" });
    assert.equal(invalid.status, 400);
    assert.deepEqual(invalid.json(), {
      error: {
        code: 400,
        message: "API key not valid. Please pass a valid API key.",
        status: "INVALID_ARGUMENT",
        details: [
          {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            reason: "API_KEY_INVALID",
            domain: "googleapis.com",
            metadata: { service: "generativelanguage.googleapis.com" },
          },
        ],
      },
    });
    const missing = await postJson(url, request);
    assert.equal(missing.status, 403);
    assert.equal((missing.json() as { error: { status: string } }).error.status, "PERMISSION_DENIED");
    assert.equal((await postJson(`${url}?key=gem-good`, request)).status, 200);
  });

  test("generateContent quotes the last user message", async () => {
    const reply = await postJson(`${base}/v1beta/models/gemini-2.5-flash:generateContent`, request, key);
    const body = reply.json() as {
      candidates: { content: { parts: { text: string }[]; role: string }; finishReason: string }[];
      usageMetadata: { totalTokenCount: number };
      modelVersion: string;
    };
    assert.equal(body.candidates[0]?.content.parts[0]?.text, "Simulated Gemini reply to: hello gemini");
    assert.equal(body.candidates[0]?.content.role, "model");
    assert.equal(body.candidates[0]?.finishReason, "STOP");
    assert.equal(body.modelVersion, "gemini-2.5-flash");
    assert.ok(body.usageMetadata.totalTokenCount > 0);
  });

  test("streamGenerateContent?alt=sse sends complete response chunks and no sentinel", async () => {
    const reply = await postJson(
      `${base}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`,
      request,
      key,
    );
    assert.match(reply.headers.get("content-type") ?? "", /^text\/event-stream/);
    assert.ok(!reply.text.includes("[DONE]"));
    const chunks = sseFrames(reply.text).map(
      (frame) =>
        JSON.parse(frame.data) as {
          candidates: { content: { parts: { text: string }[] }; finishReason?: string }[];
        },
    );
    assert.ok(chunks.length > 1);
    assert.equal(
      chunks.map((chunk) => chunk.candidates[0]?.content.parts[0]?.text).join(""),
      "Simulated Gemini reply to: hello gemini",
    );
    assert.equal(chunks.at(-1)?.candidates[0]?.finishReason, "STOP");
    assert.ok(chunks.slice(0, -1).every((chunk) => chunk.candidates[0]?.finishReason === undefined));
  });

  test("answers structured-output calls with JSON matching the schema (the CLI's routing call)", async () => {
    const reply = await postJson(
      `${base}/v1beta/models/gemini-2.5-flash-lite:generateContent`,
      {
        ...request,
        generationConfig: {
          responseMimeType: "application/json",
          responseJsonSchema: {
            type: "object",
            properties: {
              reasoning: { type: "string" },
              model_choice: { type: "string", enum: ["flash", "pro"] },
            },
          },
        },
      },
      key,
    );
    const text = (reply.json() as { candidates: { content: { parts: { text: string }[] } }[] }).candidates[0]
      ?.content.parts[0]?.text;
    const parsed = JSON.parse(text ?? "") as { model_choice: string; reasoning: string };
    assert.equal(parsed.model_choice, "flash");
    assert.equal(typeof parsed.reasoning, "string");
  });

  test("an unknown model is 404 NOT_FOUND; 429 names the per-minute quota and carries RetryInfo and 'Please retry in Ns.'", async () => {
    const unknown = await postJson(`${base}/v1beta/models/gpt-4o:generateContent`, request, key);
    assert.equal(unknown.status, 404);
    assert.equal((unknown.json() as { error: { status: string } }).error.status, "NOT_FOUND");
    simulators.faults.inject("google", { kind: "status", status: 429, retryAfterSeconds: 33, times: 1 });
    const limited = await postJson(`${base}/v1beta/models/gemini-2.5-flash:generateContent`, request, key);
    assert.equal(limited.status, 429);
    const error = (
      limited.json() as { error: { code: number; status: string; message: string; details: unknown[] } }
    ).error;
    assert.equal(error.code, 429);
    assert.equal(error.status, "RESOURCE_EXHAUSTED");
    assert.match(error.message, /Please retry in 33s\.$/);
    assert.deepEqual(error.details, [
      {
        "@type": "type.googleapis.com/google.rpc.QuotaFailure",
        violations: [
          {
            quotaMetric: "generativelanguage.googleapis.com/generate_content_free_tier_requests",
            quotaId: "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
          },
        ],
      },
      { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "33s" },
    ]);
    const errorOf = async (fault: Fault): Promise<GoogleError> => {
      simulators.faults.inject("google", { ...fault, times: 1 });
      const reply = await postJson(`${base}/v1beta/models/gemini-2.5-flash:generateContent`, request, key);
      assert.equal(reply.status, fault.kind === "status" ? fault.status : 200);
      return (reply.json() as { error: GoogleError }).error;
    };
    // Out of credit is the same RESOURCE_EXHAUSTED; only the per-day quota in QuotaFailure tells it apart.
    const quota = await errorOf({ kind: "status", status: 429, reason: "quota" });
    assert.equal(quota.status, "RESOURCE_EXHAUSTED");
    assert.match(
      JSON.stringify(quota.details),
      /"quotaId":"GenerateRequestsPerDayPerProjectPerModel-FreeTier"/,
    );
    assert.equal((await errorOf({ kind: "status", status: 503 })).status, "UNAVAILABLE");
    assert.equal((await errorOf({ kind: "status", status: 504 })).status, "DEADLINE_EXCEEDED");
  });

  /** Starts a resumable upload and returns the session URL. */
  async function startUpload(size: number, mimeType: string, displayName: string): Promise<Response> {
    return fetch(`${base}/upload/v1beta/files`, {
      method: "POST",
      headers: {
        ...key,
        "content-type": "application/json",
        "x-goog-upload-protocol": "resumable",
        "x-goog-upload-command": "start",
        "x-goog-upload-header-content-length": String(size),
        "x-goog-upload-header-content-type": mimeType,
      },
      body: JSON.stringify({ file: { displayName } }),
    });
  }

  test("resumable upload: session URL, chunked upload with offsets, finalize, sizeBytes string, base64 sha256", async () => {
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    const start = await startUpload(bytes.length, "application/pdf", "report.pdf");
    assert.equal(start.status, 200);
    assert.equal(start.headers.get("x-goog-upload-status"), "active");
    const uploadUrl = start.headers.get("x-goog-upload-url") ?? "";
    assert.ok(uploadUrl.startsWith(`${base}/upload/v1beta/files?upload_id=`));

    const chunk = 2 * 1024 * 1024;
    const first = await fetch(uploadUrl, {
      method: "POST",
      headers: { "x-goog-upload-command": "upload", "x-goog-upload-offset": "0" },
      body: bytes.subarray(0, chunk),
    });
    assert.equal(first.status, 200);
    assert.equal(first.headers.get("x-goog-upload-status"), "active");
    const wrongOffset = await fetch(uploadUrl, {
      method: "POST",
      headers: { "x-goog-upload-command": "upload", "x-goog-upload-offset": "5" },
      body: bytes.subarray(chunk),
    });
    assert.equal(wrongOffset.status, 400);
    const last = await fetch(uploadUrl, {
      method: "POST",
      headers: { "x-goog-upload-command": "upload, finalize", "x-goog-upload-offset": String(chunk) },
      body: bytes.subarray(chunk),
    });
    assert.equal(last.status, 200);
    assert.equal(last.headers.get("x-goog-upload-status"), "final");
    const { file } = (await last.json()) as { file: Record<string, string> };
    assert.match(file.name ?? "", /^files\/[a-z0-9]+$/);
    assert.equal(file.displayName, "report.pdf");
    assert.equal(file.mimeType, "application/pdf");
    assert.equal(file.sizeBytes, String(bytes.length));
    assert.equal(file.sha256Hash, createHash("sha256").update(bytes).digest("base64"));
    assert.equal(file.source, "UPLOADED");
    assert.equal(file.expirationTime, new Date(clock + 48 * 3600 * 1000).toISOString());
    // Large files are PROCESSING first, then ACTIVE; using one too early is FAILED_PRECONDITION.
    assert.equal(file.state, "PROCESSING");
    const early = await postJson(
      `${base}/v1beta/models/gemini-2.5-flash:generateContent`,
      {
        contents: [
          {
            role: "user",
            parts: [{ fileData: { fileUri: file.uri, mimeType: "application/pdf" } }, { text: "summarise" }],
          },
        ],
      },
      key,
    );
    assert.equal(early.status, 400);
    assert.equal((early.json() as { error: { status: string } }).error.status, "FAILED_PRECONDITION");
    clock += 5_000;
    const polled = await getJson(`${base}/v1beta/${file.name}`, key);
    assert.equal((polled.body as { state: string }).state, "ACTIVE");
    const used = await postJson(
      `${base}/v1beta/models/gemini-2.5-flash:generateContent`,
      {
        contents: [
          {
            role: "user",
            parts: [{ fileData: { fileUri: file.uri, mimeType: "application/pdf" } }, { text: "summarise" }],
          },
        ],
      },
      key,
    );
    assert.equal(used.status, 200);
  });

  test("after 48 h a file answers 403 PERMISSION_DENIED and leaves the listing; delete answers {}", async () => {
    const start = await startUpload(5, "text/plain", "note.txt");
    const finalize = await fetch(start.headers.get("x-goog-upload-url") ?? "", {
      method: "POST",
      headers: { "x-goog-upload-command": "upload, finalize", "x-goog-upload-offset": "0" },
      body: "hello",
    });
    const { file } = (await finalize.json()) as { file: { name: string; state: string } };
    assert.equal(file.state, "ACTIVE");
    const listed = (await getJson(`${base}/v1beta/files?pageSize=1`, key)).body as {
      files: { name: string }[];
      nextPageToken?: string;
    };
    assert.equal(listed.files[0]?.name, file.name);
    assert.ok(listed.nextPageToken);

    clock += 48 * 3600 * 1000;
    const expired = await getJson(`${base}/v1beta/${file.name}`, key);
    assert.equal(expired.status, 403);
    assert.equal((expired.body as { error: { status: string } }).error.status, "PERMISSION_DENIED");
    assert.deepEqual((await getJson(`${base}/v1beta/files`, key)).body, {});

    clock -= 48 * 3600 * 1000;
    const deleted = await getJson(`${base}/v1beta/${file.name}`, key, "DELETE");
    assert.equal(deleted.status, 200);
    assert.deepEqual(deleted.body, {});
    assert.equal((await getJson(`${base}/v1beta/${file.name}`, key)).status, 403);
  });

  test("a finalize whose answer was lost can be repeated and returns the same file", async () => {
    const start = await startUpload(3, "text/plain", "lost.txt");
    const uploadUrl = start.headers.get("x-goog-upload-url") ?? "";
    simulators.faults.inject("google", { kind: "lost-response", match: "upload_id=", times: 1 });
    await assert.rejects(
      fetch(uploadUrl, {
        method: "POST",
        headers: { "x-goog-upload-command": "upload, finalize", "x-goog-upload-offset": "0" },
        body: "abc",
      }),
    );
    const query = await fetch(uploadUrl, { method: "POST", headers: { "x-goog-upload-command": "query" } });
    assert.equal(query.headers.get("x-goog-upload-status"), "final");
    assert.equal(query.headers.get("x-goog-upload-size-received"), "3");
    const again = await fetch(uploadUrl, {
      method: "POST",
      headers: { "x-goog-upload-command": "upload, finalize", "x-goog-upload-offset": "0" },
      body: "abc",
    });
    const { file } = (await again.json()) as { file: { sizeBytes: string; displayName: string } };
    assert.equal(file.sizeBytes, "3");
    assert.equal(file.displayName, "lost.txt");
  });
});
