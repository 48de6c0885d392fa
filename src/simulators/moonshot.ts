// The Moonshot (Kimi) Open Platform simulator: /v1 chat, models, files (20-char ids, no has_more, the
// JSON content wrapper), balance and token estimate in the wrapped gateway form, 429s worded as the
// real service words them, the gateway envelope for unknown routes, and the Anthropic-compatible /anthropic.
import { z } from "zod";
import {
  anthropicModelList,
  handleCountTokens,
  handleMessages,
  type MessagesFlavour,
  parseWith,
} from "./anthropic-messages.ts";
import { handleChatCompletion } from "./chat-completions.ts";
import { estimateTokens } from "./conversation.ts";
import { moonshotFileId, uuid } from "./ids.ts";
import { FileShelf, readMultipart } from "./uploads.ts";
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
  type Surface,
} from "./wire.ts";

const MB = 1024 * 1024;
export const MOONSHOT_FILE_LIMIT_BYTES = 100 * MB;
export const MOONSHOT_MAX_FILES = 1000;
const PURPOSES = new Set(["file-extract", "image", "video", "batch"]);
const ACCOUNT = "org-sim0000<ak-sim0000>";

const MODELS = [
  { id: "kimi-k2.6", context: 262_144, reasoning: true },
  { id: "kimi-k2.5", context: 262_144, reasoning: true },
  { id: "kimi-k2-0905-preview", context: 262_144, reasoning: false },
  { id: "kimi-k2-0711-preview", context: 131_072, reasoning: false },
  { id: "kimi-k2-turbo-preview", context: 262_144, reasoning: false },
  { id: "kimi-k2-thinking", context: 262_144, reasoning: true },
  { id: "kimi-k2-thinking-turbo", context: 262_144, reasoning: true },
  { id: "kimi-latest", context: 131_072, reasoning: false },
  { id: "moonshot-v1-8k", context: 8_192, reasoning: false },
  { id: "moonshot-v1-32k", context: 32_768, reasoning: false },
  { id: "moonshot-v1-128k", context: 131_072, reasoning: false },
  { id: "moonshot-v1-auto", context: 131_072, reasoning: false },
];

const ERRORS: Readonly<Record<ProblemKind, { status: number; type: string; message: string }>> = {
  invalid_request: { status: 400, type: "invalid_request_error", message: "Invalid request" },
  unauthenticated: { status: 401, type: "invalid_authentication_error", message: "Invalid Authentication" },
  invalid_key: { status: 401, type: "incorrect_api_key_error", message: "Incorrect API key provided" },
  permission: {
    status: 403,
    type: "permission_denied_error",
    message: "The API you are accessing is not open",
  },
  not_found: {
    status: 404,
    type: "resource_not_found_error",
    message: "Not found the resource or Permission denied",
  },
  too_large: {
    status: 400,
    type: "invalid_request_error",
    message: "File size is too large, max file size is 100MB, please confirm and re-upload the file",
  },
  rate_limit: {
    status: 429,
    type: "rate_limit_reached_error",
    message: `Your account ${ACCOUNT} request reached organization TPM rate limit, current:500123, limit:500000`,
  },
  quota: {
    status: 429,
    type: "exceeded_current_quota_error",
    message: "You exceeded your current token quota: <org-sim0000> 0, please check your account balance",
  },
  overloaded: {
    status: 429,
    type: "engine_overloaded_error",
    message: "The engine is currently overloaded, please try again later",
  },
  server: { status: 500, type: "unexpected_output", message: "invalid state transition" },
  unavailable: {
    status: 503,
    type: "engine_overloaded_error",
    message: "The engine is currently overloaded, please try again later",
  },
  // Moonshot documents no timeout error; its generic server type is the closest it has.
  timeout: { status: 504, type: "server_error", message: "Request timed out, please try again later" },
};

export function moonshotErrorBody(problem: Problem): {
  status: number;
  error: { type: string; message: string };
} {
  const shape = ERRORS[problem.kind];
  let message = problem.message ?? shape.message;
  // Validation details arrive lower-case; Moonshot prefixes them the way its error table shows.
  if (problem.kind === "invalid_request" && problem.message && /^[a-z]/.test(problem.message)) {
    message = `Invalid request: ${problem.message}`;
  }
  if (
    problem.kind === "rate_limit" &&
    problem.message === undefined &&
    problem.retryAfterSeconds !== undefined
  ) {
    // Moonshot's only retry hint is this sentence in the message; no Retry-After header is confirmed.
    message = `Your account ${ACCOUNT} request reached organization max RPM: 3, please try again after ${problem.retryAfterSeconds} seconds`;
  }
  return { status: problem.status ?? shape.status, error: { type: problem.code ?? shape.type, message } };
}

export function moonshotErrorReply(surface: Surface, problem: Problem, requestId: string): Reply {
  const { status, error } = moonshotErrorBody(problem);
  // The Anthropic endpoint wraps Moonshot's own type names in Anthropic's envelope, with a UUID request_id.
  return json(surface === "anthropic" ? { error, request_id: requestId, type: "error" } : { error }, status);
}

interface MoonshotFile {
  id: string;
  object: "file";
  bytes: number;
  created_at: number;
  filename: string;
  purpose: string;
  status: "ok";
  status_details: "";
  extracted: string;
  fileType: string;
}

const publicFile = ({
  extracted: _extracted,
  fileType: _fileType,
  ...file
}: MoonshotFile): Omit<MoonshotFile, "extracted" | "fileType"> => file;

const BALANCE = { available: 49.58894, voucher: 46.58893, cash: 3.00001 };

export function createMoonshotSimulator(): ProviderSimulator {
  const files = new FileShelf<MoonshotFile>();
  let spent = 0;

  const resolveNative = (model: string): string => {
    if (!MODELS.some((candidate) => candidate.id === model)) {
      throw new SimulatedError({
        kind: "not_found",
        message: `Not found the model ${model} or Permission denied`,
      });
    }
    return model;
  };
  const messagesFlavour: MessagesFlavour = {
    provider: "moonshot",
    // Claude Code asks for Claude models unless told otherwise; Moonshot serves them with Kimi.
    resolveModel: (model) => (model.startsWith("claude-") ? "kimi-k2.5" : resolveNative(model)),
    streamErrorBody: (problem, requestId) => {
      const { error } = moonshotErrorBody(problem);
      return { error, request_id: requestId, type: "error" };
    },
  };
  const fileOrThrow = (id: string): MoonshotFile => {
    const file = files.get(id);
    if (!file)
      throw new SimulatedError({
        kind: "not_found",
        message: `Not found the file ${id} or Permission denied`,
      });
    return file;
  };

  return {
    provider: "moonshot",
    routes: [
      {
        method: "POST",
        path: /^\/v1\/chat\/completions$/,
        surface: "native",
        handle: (call) => {
          const reply = handleChatCompletion(call, {
            provider: "moonshot",
            resolveModel: resolveNative,
            thinksByDefault: (model) =>
              MODELS.find((candidate) => candidate.id === model)?.reasoning === true,
          });
          // Every answered chat is billed, so the balance shows work done even when the answer is lost.
          spent += estimateTokens(call.body.toString("utf8")) * 0.00001;
          return reply;
        },
      },
      {
        method: "GET",
        path: /^\/v1\/models$/,
        surface: "native",
        handle: (call) =>
          json({
            object: "list",
            data: MODELS.map((model) => ({
              id: model.id,
              object: "model",
              created: Math.floor(call.now() / 1000),
              owned_by: "moonshot",
              context_length: model.context,
              supports_reasoning: model.reasoning,
            })),
          }),
      },
      {
        method: "POST",
        path: /^\/v1\/files$/,
        surface: "native",
        keepBody: MOONSHOT_FILE_LIMIT_BYTES + MB,
        handle: (call) => upload(call, files),
      },
      {
        method: "GET",
        path: /^\/v1\/files$/,
        surface: "native",
        // No pagination and no has_more, unlike OpenAI.
        handle: () => json({ object: "list", data: files.all().map(publicFile) }),
      },
      {
        method: "GET",
        path: /^\/v1\/files\/([^/]+)$/,
        surface: "native",
        handle: (call) => json(publicFile(fileOrThrow(call.params[0] ?? ""))),
      },
      {
        method: "GET",
        path: /^\/v1\/files\/([^/]+)\/content$/,
        surface: "native",
        handle: (call) => {
          const file = fileOrThrow(call.params[0] ?? "");
          if (file.purpose !== "file-extract") {
            throw new SimulatedError({
              kind: "invalid_request",
              message: `File content is only available for purpose 'file-extract', this file's purpose is '${file.purpose}'`,
            });
          }
          // Documented as plain text; really a JSON document with the extracted text in `content`.
          return json({
            content: file.extracted,
            file_type: file.fileType,
            filename: file.filename,
            title: "",
            type: "file",
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
          return json({ id: file.id, object: "file", deleted: true });
        },
      },
      {
        method: "GET",
        path: /^\/v1\/users\/me\/balance$/,
        surface: "native",
        handle: () => {
          const round = (value: number): number => Math.round(value * 100_000) / 100_000;
          return json({
            code: 0,
            data: {
              available_balance: round(BALANCE.available - spent),
              voucher_balance: round(BALANCE.voucher - spent),
              cash_balance: BALANCE.cash,
            },
            scode: "0x0",
            status: true,
          });
        },
      },
      {
        method: "POST",
        path: /^\/v1\/tokenizers\/estimate-token-count$/,
        surface: "native",
        handle: (call) => {
          const request = parseWith(
            z.looseObject({ model: z.string().min(1), messages: z.array(z.unknown()).min(1) }),
            call,
          );
          resolveNative(request.model);
          return json({
            code: 0,
            data: { total_tokens: estimateTokens(JSON.stringify(request.messages)) },
            scode: "0x0",
            status: true,
          });
        },
      },
      {
        method: "POST",
        path: /^\/anthropic\/v1\/messages$/,
        surface: "anthropic",
        handle: (call) => handleMessages(call, messagesFlavour),
      },
      {
        method: "POST",
        path: /^\/anthropic\/v1\/messages\/count_tokens$/,
        surface: "anthropic",
        handle: (call) => handleCountTokens(call, messagesFlavour),
      },
      {
        method: "GET",
        path: /^\/anthropic\/v1\/models$/,
        surface: "anthropic",
        handle: () =>
          anthropicModelList(
            MODELS.map((model) => ({
              id: model.id,
              displayName: model.id,
              createdAt: "2025-09-05T00:00:00Z",
            })),
          ),
      },
    ],
    readKey: (surface, headers) => {
      const key =
        bearerToken(headers) ?? (surface === "anthropic" ? header(headers, "x-api-key") : undefined);
      return key ? { key } : { problem: { kind: "unauthenticated" } };
    },
    errorReply: moonshotErrorReply,
    unknownRoute: (method, url, headers) =>
      // Moonshot's gateway answers unknown routes itself, in its own envelope rather than {error:{}}.
      json(
        {
          code: 5,
          error: "url.not_found",
          message: "没找到对象",
          method,
          scode: "0x5",
          status: false,
          ua: header(headers, "user-agent") ?? "",
          url: `${url.pathname}${url.search}`,
        },
        404,
      ),
    newRequestId: (surface) => (surface === "anthropic" ? uuid() : moonshotFileId(Date.now())),
    commonHeaders: () => ({}),
  };
}

async function upload(call: Call, files: FileShelf<MoonshotFile>): Promise<Reply> {
  if (call.bodyBytes > MOONSHOT_FILE_LIMIT_BYTES + MB) throw new SimulatedError({ kind: "too_large" });
  if (files.size >= MOONSHOT_MAX_FILES) {
    throw new SimulatedError({
      kind: "invalid_request",
      message: `The number of files you have uploaded exceeded the max file count ${MOONSHOT_MAX_FILES}, please delete previous uploaded files`,
    });
  }
  const part = await readMultipart(call);
  if (!part) throw new SimulatedError({ kind: "invalid_request", message: "file is required" });
  const purpose = part.fields.get("purpose") ?? "";
  if (!PURPOSES.has(purpose)) {
    throw new SimulatedError({
      kind: "invalid_request",
      message: "Invalid purpose: only 'file-extract' accepted",
    });
  }
  if (part.bytes.length === 0) {
    throw new SimulatedError({
      kind: "invalid_request",
      message: "File size is zero, please confirm and re-upload the file",
    });
  }
  if (part.bytes.length > MOONSHOT_FILE_LIMIT_BYTES) throw new SimulatedError({ kind: "too_large" });
  const extracted = extractText(part.filename, part.bytes);
  if (!files.fits(extracted.length)) {
    throw new SimulatedError({
      kind: "invalid_request",
      message:
        "The simulator's in-memory file storage is full (512 MB), please delete previous uploaded files",
    });
  }
  const file: MoonshotFile = {
    id: moonshotFileId(call.now()),
    object: "file",
    bytes: part.bytes.length,
    created_at: Math.floor(call.now() / 1000),
    filename: part.filename,
    purpose,
    status: "ok",
    status_details: "",
    extracted,
    fileType: fileType(part.filename, part.mimeType),
  };
  files.put(file.id, file, extracted.length);
  return json(publicFile(file));
}

/** Text files come back as their text; anything else as a stable description, as OCR/extraction would. */
function extractText(filename: string, bytes: Buffer): string {
  const text = bytes.toString("utf8");
  const looksLikeText = !bytes.includes(0) && !text.includes("\uFFFD");
  return looksLikeText ? text : `[simulated extraction of ${filename}: ${bytes.length} bytes]`;
}

function fileType(filename: string, mimeType: string): string {
  const extension = filename.toLowerCase().split(".").pop() ?? "";
  if (extension === "pdf") return "application/pdf";
  if (["txt", "md", "log", "csv"].includes(extension)) return "text/plain";
  if (["pptx", "docx", "xlsx"].includes(extension)) return "application/zip";
  return mimeType;
}
