// Every error row of docs/reference PROVIDER-APIS.md, as the provider sends it, must come out as the
// right ProviderError kind, retryability and retry delay. The bodies are the documented/observed ones.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mapAnthropicError } from "../../src/providers/anthropic/map-anthropic-error.ts";
import {
  type HttpFailure,
  ProviderError,
  type ProviderErrorKind,
  redactSecret,
  retryAfterFromHeaders,
  retryAfterFromMessage,
} from "../../src/providers/errors.ts";
import { mapGoogleError } from "../../src/providers/google/map-google-error.ts";
import { mapMoonshotError } from "../../src/providers/moonshot/map-moonshot-error.ts";
import { mapZaiError } from "../../src/providers/zai/map-zai-error.ts";

interface Row {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  kind: ProviderErrorKind;
  retryable: boolean;
  retryAfterMs?: number;
}

function failure(provider: string, row: Row): HttpFailure {
  return {
    provider,
    status: row.status,
    headers: row.headers ?? {},
    body: typeof row.body === "string" ? row.body : JSON.stringify(row.body),
  };
}

function check(
  mapper: (failure: HttpFailure) => ProviderError,
  provider: string,
  rows: readonly Row[],
): void {
  for (const row of rows) {
    const name = `${row.status} ${typeof row.body === "string" ? row.body.slice(0, 40) : JSON.stringify(row.body).slice(0, 90)}`;
    it(`${name} → ${row.kind}${row.retryable ? " (retryable)" : ""}`, () => {
      const error = mapper(failure(provider, row));
      assert.ok(error instanceof ProviderError);
      assert.equal(error.kind, row.kind);
      assert.equal(error.retryable, row.retryable);
      assert.equal(error.provider, provider);
      assert.equal(error.status, row.status);
      assert.equal(error.retryAfterMs, row.retryAfterMs);
    });
  }
}

const moonshot = (type: string, message: string) => ({ error: { type, message } });

describe("Moonshot errors branch on error.type, not on the status", () => {
  check(mapMoonshotError, "moonshot", [
    {
      status: 400,
      body: moonshot("content_filter", "The request was rejected because it was considered high risk"),
      kind: "invalid_request",
      retryable: false,
    },
    {
      status: 400,
      body: moonshot("invalid_request_error", "Invalid request: messages must not be empty"),
      kind: "invalid_request",
      retryable: false,
    },
    {
      status: 400,
      body: moonshot("invalid_request_error", "Input token length too long"),
      kind: "invalid_request",
      retryable: false,
    },
    {
      status: 400,
      body: moonshot("invalid_request_error", "Your request exceeded model token limit : 131072"),
      kind: "invalid_request",
      retryable: false,
    },
    {
      status: 400,
      body: moonshot(
        "invalid_request_error",
        "File size is too large, max file size is 100MB, please confirm and re-upload the file",
      ),
      kind: "invalid_request",
      retryable: false,
    },
    {
      status: 400,
      body: moonshot("invalid_request_error", "File size is zero, please confirm and re-upload the file"),
      kind: "invalid_request",
      retryable: false,
    },
    {
      status: 400,
      body: moonshot(
        "invalid_request_error",
        "The number of files you have uploaded exceeded the max file count 1000, please delete previous uploaded files",
      ),
      kind: "invalid_request",
      retryable: false,
    },
    {
      status: 400,
      body: moonshot("invalid_request_error", "Invalid purpose: only 'file-extract' accepted"),
      kind: "invalid_request",
      retryable: false,
    },
    {
      status: 401,
      body: moonshot("invalid_authentication_error", "Invalid Authentication"),
      kind: "auth",
      retryable: false,
    },
    {
      status: 401,
      body: moonshot("incorrect_api_key_error", "Incorrect API key provided"),
      kind: "auth",
      retryable: false,
    },
    {
      status: 403,
      body: moonshot("permission_denied_error", "The API you are accessing is not open"),
      kind: "permission",
      retryable: false,
    },
    {
      status: 403,
      body: moonshot("permission_denied_error", "You are not allowed to get other user info"),
      kind: "permission",
      retryable: false,
    },
    {
      status: 404,
      body: moonshot("resource_not_found_error", "Not found the model kimi-k9 or Permission denied"),
      kind: "not_found",
      retryable: false,
    },
    {
      status: 429,
      body: moonshot("engine_overloaded_error", "The engine is currently overloaded, please try again later"),
      kind: "overloaded",
      retryable: true,
    },
    {
      status: 429,
      body: moonshot(
        "exceeded_current_quota_error",
        "Your account org-1<ak-1> is suspended, please check your plan and billing details",
      ),
      kind: "quota",
      retryable: false,
    },
    {
      status: 429,
      body: moonshot(
        "exceeded_current_quota_error",
        "You exceeded your current token quota: <org-1> 338950, please check your account balance",
      ),
      kind: "quota",
      retryable: false,
    },
    {
      status: 429,
      body: moonshot(
        "rate_limit_reached_error",
        "Your account org-1<ak-1> request reached organization max concurrency: 1, please try again after 5 seconds",
      ),
      kind: "rate_limit",
      retryable: true,
      retryAfterMs: 5000,
    },
    {
      status: 429,
      body: moonshot(
        "rate_limit_reached_error",
        "Your account <org-id><ak-id> request reached organization max RPM: 3, please try again after 1 seconds",
      ),
      kind: "rate_limit",
      retryable: true,
      retryAfterMs: 1000,
    },
    {
      status: 429,
      body: moonshot(
        "rate_limit_reached_error",
        "Your account org-1<ak-1> request reached organization TPM rate limit, current:600000, limit:500000",
      ),
      kind: "rate_limit",
      retryable: true,
    },
    {
      status: 429,
      body: moonshot(
        "rate_limit_reached_error",
        "Your account org-1<ak-1> request reached organization TPD rate limit, current:1600000, limit:1500000",
      ),
      kind: "rate_limit",
      retryable: true,
    },
    {
      status: 429,
      body: moonshot("rate_limit_reached_error", "request reached max RPM: 3"),
      headers: { "retry-after": "7" },
      kind: "rate_limit",
      retryable: true,
      retryAfterMs: 7000,
    },
    {
      status: 500,
      body: moonshot("server_error", "Failed to extract file: broken pdf"),
      kind: "server",
      retryable: true,
    },
    { status: 500, body: moonshot("", "extract task failed: failed"), kind: "server", retryable: true },
    {
      status: 500,
      body: moonshot("unexpected_output", "invalid state transition"),
      kind: "server",
      retryable: true,
    },
    {
      status: 404,
      body: moonshot("resource_not_found_error", "file not found"),
      kind: "not_found",
      retryable: false,
    },
    { status: 418, body: moonshot("some_new_error", "new"), kind: "invalid_request", retryable: false },
    {
      status: 404,
      body: {
        code: 5,
        error: "url.not_found",
        message: "没找到对象",
        method: "GET",
        scode: "0x5",
        status: false,
        ua: "x",
        url: "/v1/nope",
      },
      kind: "not_found",
      retryable: false,
    },
  ]);
});

const zai = (code: string, message = "message") => ({ error: { code, message } });

describe("Z.ai errors map business codes (digit strings) before HTTP statuses", () => {
  check(mapZaiError, "zai", [
    { status: 500, body: zai("500", "internal error"), kind: "server", retryable: true },
    { status: 401, body: zai("1000", "Authentication failed"), kind: "auth", retryable: false },
    { status: 401, body: zai("1001", "Header lacks authentication"), kind: "auth", retryable: false },
    {
      status: 401,
      body: zai(
        "1002",
        "Authorization Token is invalid, please ensure that the Authorization Token is correctly provided.",
      ),
      kind: "auth",
      retryable: false,
    },
    { status: 401, body: zai("1003", "Token expired"), kind: "auth", retryable: false },
    { status: 401, body: zai("1004", "Authentication failed"), kind: "auth", retryable: false },
    { status: 500, body: zai("1100", "account read/write error"), kind: "server", retryable: true },
    { status: 403, body: zai("1110", "account inactive"), kind: "permission", retryable: false },
    { status: 403, body: zai("1111", "account does not exist"), kind: "permission", retryable: false },
    { status: 403, body: zai("1112", "account locked"), kind: "permission", retryable: false },
    {
      status: 429,
      body: zai("1113", "Insufficient balance or no resource package. Please recharge."),
      kind: "quota",
      retryable: false,
    },
    { status: 403, body: zai("1120", "cannot access account"), kind: "permission", retryable: false },
    {
      status: 403,
      body: zai("1121", "account locked for irregular activity"),
      kind: "permission",
      retryable: false,
    },
    { status: 400, body: zai("1200", "API call error"), kind: "invalid_request", retryable: false },
    { status: 400, body: zai("1210", "bad parameters"), kind: "invalid_request", retryable: false },
    {
      status: 400,
      body: zai("1211", "Unknown Model, please check the model code."),
      kind: "not_found",
      retryable: false,
    },
    {
      status: 400,
      body: zai("1212", "model does not support this method"),
      kind: "invalid_request",
      retryable: false,
    },
    { status: 400, body: zai("1213", "messages not received"), kind: "invalid_request", retryable: false },
    {
      status: 404,
      body: zai("1214", "Invalid file_id: 1764000000-0a1b"),
      kind: "not_found",
      retryable: false,
    },
    { status: 400, body: zai("1214", "invalid temperature"), kind: "invalid_request", retryable: false },
    {
      status: 400,
      body: zai("1215", "mutually exclusive fields"),
      kind: "invalid_request",
      retryable: false,
    },
    { status: 403, body: zai("1220", "no permission for this API"), kind: "permission", retryable: false },
    { status: 404, body: zai("1221", "API offline"), kind: "not_found", retryable: false },
    { status: 404, body: zai("1222", "API does not exist"), kind: "not_found", retryable: false },
    { status: 500, body: zai("1230", "error during the call"), kind: "server", retryable: true },
    { status: 400, body: zai("1231", "duplicate request_id"), kind: "invalid_request", retryable: false },
    { status: 500, body: zai("1234", "network error"), kind: "server", retryable: true },
    { status: 400, body: zai("1300", "blocked by policy"), kind: "invalid_request", retryable: false },
    { status: 400, body: zai("1301", "unsafe content"), kind: "invalid_request", retryable: false },
    {
      status: 429,
      body: zai(
        "1302",
        "High concurrency usage of this API, please reduce concurrency or contact customer service to increase limits",
      ),
      kind: "rate_limit",
      retryable: true,
    },
    {
      status: 429,
      body: zai("1303", "High frequency usage of this API"),
      kind: "rate_limit",
      retryable: true,
    },
    { status: 429, body: zai("1304", "daily call limit reached"), kind: "quota", retryable: false },
    {
      status: 429,
      body: zai("1305", "The service may be temporarily overloaded, please try again later"),
      kind: "overloaded",
      retryable: true,
    },
    {
      status: 503,
      body: zai("1305", "The service may be temporarily overloaded, please try again later"),
      kind: "overloaded",
      retryable: true,
    },
    {
      status: 529,
      body: zai("1305", "[1305][The service may be temporarily overloaded]"),
      kind: "overloaded",
      retryable: true,
    },
    {
      status: 429,
      body: zai("1308", "Usage limit reached for 5 hours. Your limit will reset at 2000-01-01 00:00:00"),
      kind: "quota",
      retryable: false,
      retryAfterMs: 0,
    },
    { status: 429, body: zai("1309", "GLM Coding Plan expired"), kind: "quota", retryable: false },
    { status: 429, body: zai("1310", "weekly limit reached"), kind: "quota", retryable: false },
    { status: 429, body: zai("1999", "File upload frequency too fast"), kind: "rate_limit", retryable: true },
    {
      status: 434,
      body: zai("1220", "No API permission, fine-tuning API and file management API are in beta phase"),
      kind: "permission",
      retryable: false,
    },
    { status: 434, body: "No API permission", kind: "permission", retryable: false },
    { status: 435, body: "File size exceeds 100MB", kind: "too_large", retryable: false },
    {
      status: 400,
      body: { error: { code: 1214, message: "numeric code from a gateway" } },
      kind: "invalid_request",
      retryable: false,
    },
  ]);
});

const anthropic = (type: string, message = "message") => ({
  type: "error",
  error: { type, message },
  request_id: "req_011CSHoEeqs5C35K2UUqR7Fy",
});

describe("Anthropic errors map error.type, unknown types fall back to the status", () => {
  check(mapAnthropicError, "anthropic", [
    { status: 400, body: anthropic("invalid_request_error"), kind: "invalid_request", retryable: false },
    {
      status: 401,
      body: anthropic("authentication_error", "invalid x-api-key"),
      kind: "auth",
      retryable: false,
    },
    {
      status: 402,
      body: anthropic("billing_error", "Your credit balance is too low"),
      kind: "quota",
      retryable: false,
    },
    { status: 403, body: anthropic("permission_error"), kind: "permission", retryable: false },
    { status: 404, body: anthropic("not_found_error"), kind: "not_found", retryable: false },
    {
      status: 413,
      body: anthropic("request_too_large", "Request exceeds the maximum allowed number of bytes."),
      kind: "too_large",
      retryable: false,
    },
    {
      status: 429,
      body: anthropic("rate_limit_error"),
      headers: { "retry-after": "12" },
      kind: "rate_limit",
      retryable: true,
      retryAfterMs: 12000,
    },
    {
      status: 429,
      body: anthropic("rate_limit_error"),
      headers: { "retry-after-ms": "1500", "retry-after": "2" },
      kind: "rate_limit",
      retryable: true,
      retryAfterMs: 1500,
    },
    { status: 500, body: anthropic("api_error", "Internal server error"), kind: "server", retryable: true },
    { status: 504, body: anthropic("timeout_error"), kind: "timeout", retryable: true },
    { status: 529, body: anthropic("overloaded_error", "Overloaded"), kind: "overloaded", retryable: true },
    { status: 529, body: anthropic("brand_new_error"), kind: "overloaded", retryable: true },
    { status: 422, body: anthropic("brand_new_error"), kind: "invalid_request", retryable: false },
  ]);
  it("keeps the request id from the body, or else from the request-id header", () => {
    const fromBody = mapAnthropicError(
      failure("anthropic", {
        status: 529,
        body: anthropic("overloaded_error"),
        kind: "overloaded",
        retryable: true,
      }),
    );
    assert.equal(fromBody.requestId, "req_011CSHoEeqs5C35K2UUqR7Fy");
    const fromHeader = mapAnthropicError({
      provider: "anthropic",
      status: 500,
      headers: { "request-id": "req_h" },
      body: JSON.stringify({ type: "error", error: { type: "api_error", message: "x" } }),
    });
    assert.equal(fromHeader.requestId, "req_h");
  });
});

const google = (code: number, status: string, message: string, details: unknown[] = []) => ({
  error: { code, message, status, details },
});

describe("Gemini errors map the google.rpc status and read RetryInfo", () => {
  check(mapGoogleError, "google", [
    {
      status: 400,
      body: google(400, "INVALID_ARGUMENT", "Request contains an invalid argument."),
      kind: "invalid_request",
      retryable: false,
    },
    {
      status: 400,
      body: google(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", [
        {
          "@type": "type.googleapis.com/google.rpc.ErrorInfo",
          reason: "API_KEY_INVALID",
          domain: "googleapis.com",
          metadata: { service: "generativelanguage.googleapis.com" },
        },
      ]),
      kind: "auth",
      retryable: false,
    },
    {
      status: 400,
      body: google(
        400,
        "FAILED_PRECONDITION",
        "User location is not supported for the API use without a billing account linked.",
      ),
      kind: "permission",
      retryable: false,
    },
    {
      status: 403,
      body: google(
        403,
        "PERMISSION_DENIED",
        "You do not have permission to access the File abc or it may not exist.",
      ),
      kind: "permission",
      retryable: false,
    },
    {
      status: 404,
      body: google(404, "NOT_FOUND", "models/gemini-9 is not found"),
      kind: "not_found",
      retryable: false,
    },
    {
      status: 429,
      body: google(
        429,
        "RESOURCE_EXHAUSTED",
        "You exceeded your current quota, please check your plan and billing details. Please retry in 33.5s.",
        [
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
        ],
      ),
      kind: "rate_limit",
      retryable: true,
      retryAfterMs: 33000,
    },
    {
      status: 429,
      body: google(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted. Please retry in 450ms."),
      kind: "rate_limit",
      retryable: true,
      retryAfterMs: 450,
    },
    {
      status: 429,
      body: google(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota.", [
        {
          "@type": "type.googleapis.com/google.rpc.QuotaFailure",
          violations: [{ quotaId: "GenerateRequestsPerDayPerProjectPerModel-FreeTier" }],
        },
      ]),
      kind: "quota",
      retryable: false,
    },
    {
      // The daily quota's answer also names a delay of seconds; waiting that long does not help.
      status: 429,
      body: google(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota. Please retry in 18.2s.", [
        {
          "@type": "type.googleapis.com/google.rpc.QuotaFailure",
          violations: [{ quotaId: "GenerateRequestsPerDayPerProjectPerModel-FreeTier" }],
        },
        { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "18s" },
      ]),
      kind: "quota",
      retryable: false,
    },
    {
      status: 500,
      body: google(500, "INTERNAL", "An internal error has occurred."),
      kind: "server",
      retryable: true,
    },
    {
      status: 503,
      body: google(503, "UNAVAILABLE", "The model is overloaded. Please try again later."),
      kind: "overloaded",
      retryable: true,
    },
    {
      status: 504,
      body: google(504, "DEADLINE_EXCEEDED", "Deadline exceeded"),
      kind: "timeout",
      retryable: true,
    },
  ]);
});

describe("bodies that are not the provider's JSON", () => {
  const html =
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>";
  for (const [provider, mapper] of [
    ["moonshot", mapMoonshotError],
    ["zai", mapZaiError],
    ["anthropic", mapAnthropicError],
    ["google", mapGoogleError],
  ] as const) {
    it(`${provider}: an HTML gateway page is judged by its status and named by its title`, () => {
      const error = mapper({ provider, status: 502, headers: {}, body: html });
      assert.equal(error.kind, "server");
      assert.equal(error.retryable, true);
      assert.match(error.message, /HTTP 502: HTML page "502 Bad Gateway"/);
    });
    it(`${provider}: malformed JSON on a 503 is an overload, on a 401 an auth failure`, () => {
      assert.equal(
        mapper({ provider, status: 503, headers: {}, body: '{"error": {"type": "engine_ov' }).kind,
        "overloaded",
      );
      assert.equal(mapper({ provider, status: 401, headers: {}, body: "{not json" }).kind, "auth");
    });
    it(`${provider}: an empty 429 with retry-after still carries the delay`, () => {
      const error = mapper({ provider, status: 429, headers: { "retry-after": "3" }, body: "" });
      assert.equal(error.kind, "rate_limit");
      assert.equal(error.retryAfterMs, 3000);
    });
  }
});

describe("retry hints and safe output", () => {
  it("reads retry-after as seconds or as an HTTP date", () => {
    assert.equal(retryAfterFromHeaders({ "retry-after": "2.5" }), 2500);
    const now = Date.parse("2026-01-01T00:00:00Z");
    assert.equal(retryAfterFromHeaders({ "retry-after": "Thu, 01 Jan 2026 00:00:10 GMT" }, now), 10_000);
    assert.equal(retryAfterFromHeaders({ "retry-after": "soon" }), undefined);
  });
  it("reads delays written in messages", () => {
    assert.equal(retryAfterFromMessage("please try again after 12 seconds"), 12_000);
    assert.equal(retryAfterFromMessage("Please retry in 33.5s."), 33_500);
    assert.equal(retryAfterFromMessage("Please retry in 800ms"), 800);
    assert.equal(retryAfterFromMessage("please try again later"), undefined);
  });
  it("toJSON carries the fields callers branch on and nothing else", () => {
    const error = new ProviderError({
      kind: "rate_limit",
      provider: "moonshot",
      message: "moonshot: slow down",
      status: 429,
      retryAfterMs: 1000,
      requestId: "r1",
      cause: new Error("https://x/?key=secret"),
    });
    assert.deepEqual(JSON.parse(JSON.stringify(error)), {
      name: "ProviderError",
      kind: "rate_limit",
      provider: "moonshot",
      message: "moonshot: slow down",
      retryable: true,
      retryAfterMs: 1000,
      status: 429,
      requestId: "r1",
    });
  });
  it("removes a key that a provider echoes back", () => {
    assert.equal(
      redactSecret("Incorrect API key provided: sk-live-123456", "sk-live-123456"),
      "Incorrect API key provided: [redacted]",
    );
  });
});
