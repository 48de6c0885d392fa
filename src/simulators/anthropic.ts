// The Anthropic API simulator: Messages (streamed and not), token counting, models and the Files API,
// with `request-id` on every response and Anthropic's error envelope carrying the same request_id.
import {
  anthropicModelList,
  handleCountTokens,
  handleMessages,
  type MessagesFlavour,
} from "./anthropic-messages.ts";
import { anthropicId } from "./ids.ts";
import { FileShelf, readMultipart, rfc3339 } from "./uploads.ts";
import {
  bearerToken,
  type Call,
  header,
  json,
  type Problem,
  type ProblemKind,
  type ProviderSimulator,
  type Reply,
  SimulatedError,
} from "./wire.ts";

const MODELS = [
  { id: "claude-opus-4-1-20250805", displayName: "Claude Opus 4.1", createdAt: "2025-08-05T00:00:00Z" },
  { id: "claude-sonnet-4-5-20250929", displayName: "Claude Sonnet 4.5", createdAt: "2025-09-29T00:00:00Z" },
  { id: "claude-haiku-4-5-20251001", displayName: "Claude Haiku 4.5", createdAt: "2025-10-01T00:00:00Z" },
];

const FILE_SIZE_LIMIT = 500 * 1024 * 1024;

const ERRORS: Readonly<Record<ProblemKind, { status: number; type: string; message: string }>> = {
  invalid_request: { status: 400, type: "invalid_request_error", message: "Invalid request" },
  unauthenticated: { status: 401, type: "authentication_error", message: "x-api-key header is required" },
  invalid_key: { status: 401, type: "authentication_error", message: "invalid x-api-key" },
  permission: {
    status: 403,
    type: "permission_error",
    message: "Your API key does not have permission to use the specified resource.",
  },
  not_found: { status: 404, type: "not_found_error", message: "Not found" },
  too_large: {
    status: 413,
    type: "request_too_large",
    message: "Request exceeds the maximum allowed number of bytes.",
  },
  rate_limit: {
    status: 429,
    type: "rate_limit_error",
    message: "This request would exceed the rate limit for your organization. Please try again later.",
  },
  // Newer docs: running out of credit is 402 billing_error, not a 429.
  quota: {
    status: 402,
    type: "billing_error",
    message: "Your credit balance is too low to access the Anthropic API.",
  },
  overloaded: { status: 529, type: "overloaded_error", message: "Overloaded" },
  server: { status: 500, type: "api_error", message: "Internal server error" },
  unavailable: { status: 503, type: "api_error", message: "Service unavailable" },
  timeout: { status: 504, type: "timeout_error", message: "Request timed out" },
};

/** `{"type":"error","error":{type,message},"request_id"}` and, on 429/529 with a delay, `retry-after`. */
export function anthropicErrorReply(problem: Problem, requestId: string): Reply {
  const shape = ERRORS[problem.kind];
  const headers: Record<string, string> = {};
  if (problem.retryAfterSeconds !== undefined) headers["retry-after"] = String(problem.retryAfterSeconds);
  return json(anthropicErrorBody(problem, requestId), problem.status ?? shape.status, headers);
}

export function anthropicErrorBody(problem: Problem, requestId: string): unknown {
  const shape = ERRORS[problem.kind];
  return {
    type: "error",
    error: { type: problem.code ?? shape.type, message: problem.message ?? shape.message },
    request_id: requestId,
  };
}

interface FileMetadata {
  id: string;
  type: "file";
  filename: string;
  mime_type: string;
  size_bytes: number;
  created_at: string;
  downloadable: boolean;
}

export function createAnthropicSimulator(): ProviderSimulator {
  const files = new FileShelf<FileMetadata>();
  const flavour: MessagesFlavour = {
    provider: "anthropic",
    resolveModel: (model) => {
      if (!model.startsWith("claude-")) {
        throw new SimulatedError({ kind: "not_found", message: `model: ${model}` });
      }
      return model;
    },
    streamErrorBody: (problem, requestId) => anthropicErrorBody(problem, requestId),
  };

  const fileOrThrow = (id: string): FileMetadata => {
    const file = files.get(id);
    if (!file) throw new SimulatedError({ kind: "not_found", message: `File not found: ${id}` });
    return file;
  };

  return {
    provider: "anthropic",
    routes: [
      {
        method: "POST",
        path: /^\/v1\/messages$/,
        surface: "native",
        handle: (call) => handleMessages(call, flavour),
      },
      {
        method: "POST",
        path: /^\/v1\/messages\/count_tokens$/,
        surface: "native",
        handle: (call) => handleCountTokens(call, flavour),
      },
      { method: "GET", path: /^\/v1\/models$/, surface: "native", handle: () => anthropicModelList(MODELS) },
      {
        method: "GET",
        path: /^\/v1\/models\/([^/]+)$/,
        surface: "native",
        handle: (call) => {
          const model = MODELS.find((candidate) => candidate.id === call.params[0]);
          if (!model) throw new SimulatedError({ kind: "not_found", message: `model: ${call.params[0]}` });
          return json({
            type: "model",
            id: model.id,
            display_name: model.displayName,
            created_at: model.createdAt,
          });
        },
      },
      {
        method: "POST",
        path: /^\/v1\/files$/,
        surface: "native",
        keepBody: FILE_SIZE_LIMIT + 1024 * 1024,
        handle: async (call) => {
          if (call.bodyBytes > FILE_SIZE_LIMIT + 1024 * 1024) {
            throw new SimulatedError({
              kind: "too_large",
              message: "File size exceeds the maximum of 500 MB.",
            });
          }
          const part = await readMultipart(call);
          if (!part) throw new SimulatedError({ kind: "invalid_request", message: "file: Field required" });
          if (part.bytes.length > FILE_SIZE_LIMIT) {
            throw new SimulatedError({
              kind: "too_large",
              message: "File size exceeds the maximum of 500 MB.",
            });
          }
          const metadata: FileMetadata = {
            id: anthropicId("file"),
            type: "file",
            filename: part.filename,
            mime_type: part.mimeType,
            size_bytes: part.bytes.length,
            created_at: rfc3339(call.now()),
            // Only files produced by tools can be downloaded; uploads never can.
            downloadable: false,
          };
          files.put(metadata.id, metadata, 0);
          return json(metadata);
        },
      },
      {
        method: "GET",
        path: /^\/v1\/files$/,
        surface: "native",
        handle: (call) => listFiles(call, files.all().reverse()),
      },
      {
        method: "GET",
        path: /^\/v1\/files\/([^/]+)$/,
        surface: "native",
        handle: (call) => json(fileOrThrow(call.params[0] ?? "")),
      },
      {
        method: "GET",
        path: /^\/v1\/files\/([^/]+)\/content$/,
        surface: "native",
        handle: (call) => {
          const file = fileOrThrow(call.params[0] ?? "");
          throw new SimulatedError({
            kind: "invalid_request",
            message: `File ${file.id} is not downloadable: only files created by tools can be downloaded.`,
          });
        },
      },
      {
        method: "DELETE",
        path: /^\/v1\/files\/([^/]+)$/,
        surface: "native",
        handle: (call) => {
          const file = fileOrThrow(call.params[0] ?? "");
          files.delete(file.id);
          return json({ id: file.id, type: "file_deleted" });
        },
      },
    ],
    readKey: (_surface, headers) => {
      const key = header(headers, "x-api-key") ?? bearerToken(headers);
      return key ? { key } : { problem: { kind: "unauthenticated" } };
    },
    errorReply: (_surface, problem, requestId) => anthropicErrorReply(problem, requestId),
    unknownRoute: (_method, _url, _headers, requestId) =>
      anthropicErrorReply({ kind: "not_found", message: "Not Found" }, requestId),
    newRequestId: () => anthropicId("req"),
    commonHeaders: (_surface, requestId) => ({ "request-id": requestId }),
  };
}

/** Newest first; `after_id` pages towards older files, `before_id` towards newer ones. */
function listFiles(call: Call, newestFirst: FileMetadata[]): Reply {
  const limitText = call.url.searchParams.get("limit");
  const limit = limitText === null ? 20 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new SimulatedError({
      kind: "invalid_request",
      message: "limit: Input should be between 1 and 1000",
    });
  }
  const afterId = call.url.searchParams.get("after_id");
  const beforeId = call.url.searchParams.get("before_id");
  let page: FileMetadata[];
  let hasMore: boolean;
  if (beforeId !== null) {
    const end = newestFirst.findIndex((file) => file.id === beforeId);
    const older = end < 0 ? [] : newestFirst.slice(0, end);
    page = older.slice(Math.max(0, older.length - limit));
    hasMore = older.length > limit;
  } else {
    const start = afterId === null ? 0 : newestFirst.findIndex((file) => file.id === afterId) + 1;
    const rest = afterId !== null && start === 0 ? [] : newestFirst.slice(start);
    page = rest.slice(0, limit);
    hasMore = rest.length > limit;
  }
  return json({
    data: page,
    has_more: hasMore,
    first_id: page[0]?.id ?? null,
    last_id: page.at(-1)?.id ?? null,
  });
}
