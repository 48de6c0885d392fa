// The Z.ai (GLM) simulator: chat completions and files under /api/paas/v4 (and the Coding Plan's
// /api/coding/paas/v4), errors as digit-string business codes, and the Anthropic-compatible /api/anthropic.
import { z } from "zod";
import { anthropicErrorReply } from "./anthropic.ts";
import {
  anthropicModelList,
  handleCountTokens,
  handleMessages,
  type MessagesFlavour,
} from "./anthropic-messages.ts";
import { handleChatCompletion } from "./chat-completions.ts";
import { hexId } from "./ids.ts";
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
const NATIVE = "/api(?:/coding)?/paas/v4";
const MODELS = [
  "glm-4.6",
  "glm-4.5",
  "glm-4.5-air",
  "glm-4.5-x",
  "glm-4.5-airx",
  "glm-4.5-flash",
  "glm-4.5v",
  "glm-4.7",
];

/** Per-purpose limits from the docs; anything above 100 MB is HTTP 435 whatever the purpose. */
export const ZAI_PURPOSES: Readonly<
  Record<string, { maxBytes: number; maxFiles: number; downloadable: boolean }>
> = {
  batch: { maxBytes: 100 * MB, maxFiles: 1000, downloadable: true },
  "file-extract": { maxBytes: 50 * MB, maxFiles: 100, downloadable: true },
  "code-interpreter": { maxBytes: 20 * MB, maxFiles: 100, downloadable: false },
  agent: { maxBytes: 100 * MB, maxFiles: 100, downloadable: false },
  "voice-clone-input": { maxBytes: 100 * MB, maxFiles: 100, downloadable: false },
  retrieval: { maxBytes: 5 * MB, maxFiles: 100, downloadable: false },
  "fine-tune": { maxBytes: 100 * MB, maxFiles: 100, downloadable: false },
};

const ERRORS: Readonly<Record<ProblemKind, { status: number; code: string; message: string }>> = {
  invalid_request: {
    status: 400,
    code: "1210",
    message: "Invalid API parameter, please check the documentation.",
  },
  unauthenticated: {
    status: 401,
    code: "1001",
    message: "Authorization parameter not received in Header, unable to authenticate.",
  },
  invalid_key: {
    status: 401,
    code: "1002",
    message:
      "Authorization Token is invalid, please ensure that the Authorization Token is correctly provided.",
  },
  permission: { status: 403, code: "1220", message: "You do not have permission to access this API." },
  not_found: { status: 404, code: "1222", message: "The requested API does not exist." },
  too_large: { status: 435, code: "435", message: "File size exceeds 100MB" },
  rate_limit: {
    status: 429,
    code: "1302",
    message:
      "High concurrency usage of this API, please reduce concurrency or contact customer service to increase limits.",
  },
  quota: {
    status: 429,
    code: "1113",
    message: "Insufficient balance or no resource package. Please recharge.",
  },
  overloaded: {
    status: 429,
    code: "1305",
    message: "The service may be temporarily overloaded, please try again later.",
  },
  server: { status: 500, code: "500", message: "Internal Error" },
  unavailable: {
    status: 503,
    code: "1305",
    message: "The service may be temporarily overloaded, please try again later.",
  },
  // No timeout code is documented; 1234 ("network error") is the one a timed-out call gets.
  timeout: { status: 504, code: "1234", message: "Network error, please try again later." },
};

export function zaiErrorReply(surface: Surface, problem: Problem, requestId: string): Reply {
  const shape = ERRORS[problem.kind];
  const code = problem.code ?? shape.code;
  const message = problem.message ?? shape.message;
  if (surface === "anthropic") {
    // Claude Code sees Anthropic's envelope with the business code in brackets; auth failures put the
    // code itself in error.type, as gateways in front of Z.ai report.
    const auth = problem.kind === "unauthenticated" || problem.kind === "invalid_key";
    return anthropicErrorReply(
      {
        ...problem,
        status: problem.status ?? (problem.kind === "overloaded" ? 529 : shape.status),
        message: `[${code}][${message}]`,
        code: auth ? code : undefined,
      },
      requestId,
    );
  }
  return json({ error: { code, message } }, problem.status ?? shape.status);
}

interface ZaiFile {
  id: string;
  object: "file";
  bytes: number;
  created_at: number;
  filename: string;
  purpose: string;
  content: Buffer;
}

const publicFile = ({ content: _content, ...file }: ZaiFile): Omit<ZaiFile, "content"> => file;

export function createZaiSimulator(): ProviderSimulator {
  const files = new FileShelf<ZaiFile>();
  const resolveNative = (model: string): string => {
    if (!/^glm-/i.test(model)) {
      throw new SimulatedError({
        kind: "invalid_request",
        code: "1211",
        message: "Unknown Model, please check the model code.",
      });
    }
    return model;
  };
  const messagesFlavour: MessagesFlavour = {
    provider: "zai",
    // Claude Code asks for Claude models; Z.ai maps them to GLM (haiku to the small one).
    resolveModel: (model) =>
      model.startsWith("claude-")
        ? model.includes("haiku")
          ? "glm-4.5-air"
          : "glm-4.6"
        : resolveNative(model),
    streamErrorBody: (problem, requestId) => {
      const reply = zaiErrorReply("anthropic", problem, requestId);
      return reply.type === "json" ? reply.body : {};
    },
  };
  const fileOrThrow = (id: string): ZaiFile => {
    const file = files.get(id);
    if (!file)
      throw new SimulatedError({ kind: "not_found", code: "1214", message: `Invalid file_id: ${id}` });
    return file;
  };

  return {
    provider: "zai",
    routes: [
      {
        method: "POST",
        path: new RegExp(`^${NATIVE}/chat/completions$`),
        surface: "native",
        handle: (call) =>
          handleChatCompletion(call, {
            provider: "zai",
            resolveModel: resolveNative,
            thinksByDefault: (model) => /^glm-(4\.[5-9]|[5-9])/i.test(model),
          }),
      },
      {
        method: "GET",
        path: new RegExp(`^${NATIVE}/models$`),
        surface: "native",
        handle: (call) =>
          json({
            object: "list",
            data: MODELS.map((id) => ({
              id,
              object: "model",
              created: Math.floor(call.now() / 1000),
              owned_by: "z-ai",
            })),
          }),
      },
      {
        method: "POST",
        path: new RegExp(`^${NATIVE}/files$`),
        surface: "native",
        keepBody: 100 * MB + MB,
        handle: (call) => upload(call, files),
      },
      {
        method: "GET",
        path: new RegExp(`^${NATIVE}/files$`),
        surface: "native",
        handle: (call) => list(call, files),
      },
      {
        method: "GET",
        path: new RegExp(`^${NATIVE}/files/([^/]+)/content$`),
        surface: "native",
        handle: (call) => {
          const file = fileOrThrow(call.params[0] ?? "");
          if (!ZAI_PURPOSES[file.purpose]?.downloadable) {
            throw new SimulatedError({
              kind: "invalid_request",
              code: "1214",
              message: `File content is only available for batch and file-extract files, not ${file.purpose}.`,
            });
          }
          return { type: "bytes", status: 200, body: file.content, contentType: "application/octet-stream" };
        },
      },
      {
        method: "DELETE",
        path: new RegExp(`^${NATIVE}/files/([^/]+)$`),
        surface: "native",
        handle: (call) => {
          const file = fileOrThrow(call.params[0] ?? "");
          files.delete(file.id);
          return json({ id: file.id, deleted: true, object: "file" });
        },
      },
      {
        method: "POST",
        path: /^\/api\/anthropic\/v1\/messages$/,
        surface: "anthropic",
        handle: (call) => handleMessages(call, messagesFlavour),
      },
      {
        method: "POST",
        path: /^\/api\/anthropic\/v1\/messages\/count_tokens$/,
        surface: "anthropic",
        handle: (call) => handleCountTokens(call, messagesFlavour),
      },
      {
        method: "GET",
        path: /^\/api\/anthropic\/v1\/models$/,
        surface: "anthropic",
        handle: () =>
          anthropicModelList(
            MODELS.map((id) => ({ id, displayName: id.toUpperCase(), createdAt: "2025-07-28T00:00:00Z" })),
          ),
      },
    ],
    readKey: (surface, headers) => {
      const key =
        bearerToken(headers) ?? (surface === "anthropic" ? header(headers, "x-api-key") : undefined);
      return key ? { key } : { problem: { kind: "unauthenticated" } };
    },
    errorReply: zaiErrorReply,
    unknownRoute: (_method, url, _headers, requestId) =>
      zaiErrorReply(
        url.pathname.startsWith("/api/anthropic/") ? "anthropic" : "native",
        { kind: "not_found" },
        requestId,
      ),
    newRequestId: () => `${new Date().toISOString().replace(/\D/g, "").slice(0, 14)}${hexId(8)}`,
    commonHeaders: () => ({}),
  };
}

async function upload(call: Call, files: FileShelf<ZaiFile>): Promise<Reply> {
  if (call.bodyBytes > 100 * MB + MB) throw new SimulatedError({ kind: "too_large" });
  const part = await readMultipart(call);
  if (!part)
    throw new SimulatedError({
      kind: "invalid_request",
      code: "1213",
      message: "The file field was not received.",
    });
  const purpose = part.fields.get("purpose");
  if (!purpose)
    throw new SimulatedError({
      kind: "invalid_request",
      code: "1213",
      message: "The purpose field was not received.",
    });
  const limits = ZAI_PURPOSES[purpose];
  if (!limits) {
    throw new SimulatedError({
      kind: "invalid_request",
      code: "1214",
      message: `Invalid purpose: ${purpose}. Supported: ${Object.keys(ZAI_PURPOSES).join(", ")}.`,
    });
  }
  if (part.bytes.length === 0) {
    throw new SimulatedError({
      kind: "invalid_request",
      code: "1214",
      message: "File content anomaly: the file is empty.",
    });
  }
  if (part.bytes.length > 100 * MB) throw new SimulatedError({ kind: "too_large" });
  if (part.bytes.length > limits.maxBytes) {
    throw new SimulatedError({
      kind: "invalid_request",
      code: "1214",
      message: `File size exceeds ${limits.maxBytes / MB}MB, the limit for purpose ${purpose}.`,
    });
  }
  const sameCount = files.all().filter((file) => file.purpose === purpose).length;
  if (sameCount >= limits.maxFiles) {
    throw new SimulatedError({
      kind: "invalid_request",
      code: "1214",
      message: `The number of ${purpose} files has reached the limit of ${limits.maxFiles}; delete files to upload more.`,
    });
  }
  if (!files.fits(part.bytes.length)) {
    throw new SimulatedError({
      kind: "invalid_request",
      code: "1214",
      message: "The simulator's in-memory file storage is full (512 MB); delete files to upload more.",
    });
  }
  const created = Math.floor(call.now() / 1000);
  const file: ZaiFile = {
    id: `${created}-${hexId(16)}`,
    object: "file",
    bytes: part.bytes.length,
    created_at: created,
    filename: part.filename,
    purpose,
    content: part.bytes,
  };
  files.put(file.id, file, file.bytes);
  return json(publicFile(file));
}

const listQuery = z.object({
  purpose: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  after: z.string().optional(),
  order: z.enum(["created_at"]).optional(),
});

/** Newest first; `after` is the id of the last file of the previous page. */
function list(call: Call, files: FileShelf<ZaiFile>): Reply {
  const parsed = listQuery.safeParse(Object.fromEntries(call.url.searchParams));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SimulatedError({
      kind: "invalid_request",
      code: "1214",
      message: `Invalid ${issue?.path.join(".") ?? "query"}.`,
    });
  }
  const { purpose, limit, after } = parsed.data;
  const newestFirst = files
    .all()
    .reverse()
    .filter((file) => purpose === undefined || file.purpose === purpose);
  const start = after === undefined ? 0 : newestFirst.findIndex((file) => file.id === after) + 1;
  const rest = after !== undefined && start === 0 ? [] : newestFirst.slice(start);
  return json({ object: "list", data: rest.slice(0, limit).map(publicFile), has_more: rest.length > limit });
}
