// The Gemini Developer API simulator: generateContent, streamGenerateContent?alt=sse (complete chunks,
// no sentinel), countTokens, models, and the Files API with its two-step resumable upload and 48 h expiry.
import { createHash, type Hash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { z } from "zod";
import {
  type GeminiGenerateContentRequest,
  geminiGenerateContentRequestSchema,
} from "../wire/gemini-generate-content.ts";
import { parseWith } from "./anthropic-messages.ts";
import {
  estimateTokens,
  limitReply,
  replyText,
  requestedToolCall,
  sampleFromSchema,
  streamPieces,
  textOf,
  thinkingText,
} from "./conversation.ts";
import { geminiFileId, hexId } from "./ids.ts";
import { FileShelf, rfc3339 } from "./uploads.ts";
import {
  type Call,
  dataFrame,
  header,
  json,
  type Problem,
  type ProblemKind,
  type ProviderSimulator,
  type Reply,
  SimulatedError,
} from "./wire.ts";

export const FILE_LIFETIME_MS = 48 * 60 * 60 * 1000;
/** Files this large (or any video) start PROCESSING and turn ACTIVE this long after upload. */
export const PROCESSING_THRESHOLD_BYTES = 1024 * 1024;
export const PROCESSING_MS = 2000;
const FILE_SIZE_LIMIT = 2 * 1024 * 1024 * 1024;
const CHUNK_GRANULARITY = 8 * 1024 * 1024;

const MODELS = [
  { id: "gemini-2.5-pro", displayName: "Gemini 2.5 Pro", input: 1_048_576, output: 65_536 },
  { id: "gemini-2.5-flash", displayName: "Gemini 2.5 Flash", input: 1_048_576, output: 65_536 },
  { id: "gemini-2.5-flash-lite", displayName: "Gemini 2.5 Flash-Lite", input: 1_048_576, output: 65_536 },
];

const ERRORS: Readonly<Record<ProblemKind, { status: number; rpcStatus: string; message: string }>> = {
  invalid_request: {
    status: 400,
    rpcStatus: "INVALID_ARGUMENT",
    message: "Request contains an invalid argument.",
  },
  unauthenticated: {
    status: 403,
    rpcStatus: "PERMISSION_DENIED",
    message:
      "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
  },
  invalid_key: {
    status: 400,
    rpcStatus: "INVALID_ARGUMENT",
    message: "API key not valid. Please pass a valid API key.",
  },
  permission: { status: 403, rpcStatus: "PERMISSION_DENIED", message: "The caller does not have permission" },
  not_found: { status: 404, rpcStatus: "NOT_FOUND", message: "Requested entity was not found." },
  too_large: { status: 400, rpcStatus: "INVALID_ARGUMENT", message: "File size exceeds the 2 GB limit." },
  rate_limit: {
    status: 429,
    rpcStatus: "RESOURCE_EXHAUSTED",
    message: "Resource has been exhausted (e.g. check quota).",
  },
  quota: {
    status: 429,
    rpcStatus: "RESOURCE_EXHAUSTED",
    message: "You exceeded your current quota, please check your plan and billing details.",
  },
  overloaded: {
    status: 503,
    rpcStatus: "UNAVAILABLE",
    message: "The model is overloaded. Please try again later.",
  },
  server: {
    status: 500,
    rpcStatus: "INTERNAL",
    message:
      "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
  },
  unavailable: { status: 503, rpcStatus: "UNAVAILABLE", message: "The service is currently unavailable." },
  timeout: {
    status: 504,
    rpcStatus: "DEADLINE_EXCEEDED",
    message: "Deadline expired before operation could complete.",
  },
};

/** Per-minute limits and daily quota both answer RESOURCE_EXHAUSTED; only the violated quota tells them apart. */
const QUOTA_IDS: Partial<Record<ProblemKind, string>> = {
  rate_limit: "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
  quota: "GenerateRequestsPerDayPerProjectPerModel-FreeTier",
};

/**
 * `{"error":{code,message,status,details}}`; 429s name the violated quota in a QuotaFailure, and
 * those with a delay carry RetryInfo and "Please retry in Ns."
 */
export function googleErrorBody(problem: Problem): { status: number; body: unknown } {
  const shape = ERRORS[problem.kind];
  const status = problem.status ?? shape.status;
  let message = problem.message ?? shape.message;
  const details: unknown[] = [];
  if (problem.kind === "invalid_key") {
    details.push({
      "@type": "type.googleapis.com/google.rpc.ErrorInfo",
      reason: "API_KEY_INVALID",
      domain: "googleapis.com",
      metadata: { service: "generativelanguage.googleapis.com" },
    });
  }
  const quotaId = status === 429 ? QUOTA_IDS[problem.kind] : undefined;
  if (quotaId !== undefined) {
    details.push({
      "@type": "type.googleapis.com/google.rpc.QuotaFailure",
      violations: [
        {
          quotaMetric: "generativelanguage.googleapis.com/generate_content_free_tier_requests",
          quotaId,
        },
      ],
    });
  }
  if (problem.retryAfterSeconds !== undefined) {
    if (problem.message === undefined) {
      message = `You exceeded your current quota, please check your plan and billing details. Please retry in ${problem.retryAfterSeconds}s.`;
    }
    details.push({
      "@type": "type.googleapis.com/google.rpc.RetryInfo",
      retryDelay: `${problem.retryAfterSeconds}s`,
    });
  }
  return {
    status,
    body: {
      error: {
        code: status,
        message,
        status: problem.code ?? shape.rpcStatus,
        ...(details.length > 0 ? { details } : {}),
      },
    },
  };
}

function googleErrorReply(problem: Problem): Reply {
  const { status, body } = googleErrorBody(problem);
  return json(body, status);
}

interface StoredFile {
  id: string;
  displayName: string | undefined;
  mimeType: string;
  sizeBytes: number;
  sha256: string;
  createdAt: number;
  readyAt: number;
}

interface UploadSession {
  declaredSize: number | undefined;
  mimeType: string;
  displayName: string | undefined;
  received: number;
  hash: Hash;
  /** The chunk arriving now, applied only if the request is accepted. */
  pending: { hash: Hash; bytes: number } | undefined;
  status: "active" | "final" | "cancelled";
  file: StoredFile | undefined;
}

export function createGoogleSimulator(): ProviderSimulator {
  const files = new FileShelf<StoredFile>();
  const sessions = new Map<string, UploadSession>();

  const resource = (call: Call, file: StoredFile): Record<string, unknown> => ({
    name: `files/${file.id}`,
    ...(file.displayName === undefined ? {} : { displayName: file.displayName }),
    mimeType: file.mimeType,
    sizeBytes: String(file.sizeBytes),
    createTime: rfc3339(file.createdAt),
    updateTime: rfc3339(Math.min(call.now(), file.readyAt) > file.createdAt ? file.readyAt : file.createdAt),
    expirationTime: rfc3339(file.createdAt + FILE_LIFETIME_MS),
    sha256Hash: file.sha256,
    uri: `${call.origin}/v1beta/files/${file.id}`,
    state: call.now() < file.readyAt ? "PROCESSING" : "ACTIVE",
    source: "UPLOADED",
  });

  /** Missing, deleted and expired files all answer 403, as the real service does. */
  const liveFile = (call: Call, id: string): StoredFile => {
    const file = files.get(id);
    if (!file || call.now() >= file.createdAt + FILE_LIFETIME_MS) {
      throw new SimulatedError({
        kind: "permission",
        message: `You do not have permission to access the File ${id} or it may not exist.`,
      });
    }
    return file;
  };

  const generate = (
    call: Call,
    request: GeminiGenerateContentRequest,
  ): {
    text: string;
    /** MAX_TOKENS when the reply was cut at `generationConfig.maxOutputTokens`. */
    finishReason: "STOP" | "MAX_TOKENS";
    thought: string | undefined;
    functionCall: { name: string; args: unknown } | undefined;
  } => {
    for (const entry of request.contents) {
      for (const item of entry.parts) {
        if (!item.fileData) continue;
        const id = /files\/([a-z0-9-]+)$/.exec(item.fileData.fileUri)?.[1] ?? item.fileData.fileUri;
        const file = liveFile(call, id);
        if (call.now() < file.readyAt) {
          throw new SimulatedError({
            kind: "invalid_request",
            code: "FAILED_PRECONDITION",
            message: `The File ${id} is not in an ACTIVE state and usage is not allowed.`,
          });
        }
      }
    }
    const lastUser = request.contents.findLast((entry) => entry.role !== "model") ?? request.contents.at(-1);
    const responses = (lastUser?.parts ?? []).flatMap((item) =>
      item.functionResponse ? [JSON.stringify(item.functionResponse.response)] : [],
    );
    // After a tool's answer the model talks about that answer; a prompt naming a tool gets a call.
    const quote =
      responses.length > 0
        ? `tool result ${responses.join(" ")}`
        : textOf(lastUser?.parts.filter((item) => item.thought !== true) ?? []);
    const declarations = (request.tools ?? []).flatMap((tool) => tool.functionDeclarations ?? []);
    const functionCall =
      responses.length > 0
        ? undefined
        : requestedToolCall(
            quote,
            declarations.map((declaration) => ({
              name: declaration.name,
              schema: declaration.parametersJsonSchema ?? declaration.parameters,
            })),
          );
    const config = request.generationConfig;
    const schema = config?.responseJsonSchema ?? config?.responseSchema;
    const full =
      config?.responseMimeType === "application/json"
        ? JSON.stringify(
            sampleFromSchema(
              schema ?? { type: "object", properties: { reply: { type: "string" } } },
              replyText("google", quote),
            ),
          )
        : replyText("google", quote);
    const { text, truncated } = limitReply(full, config?.maxOutputTokens);
    return {
      text,
      finishReason: truncated ? "MAX_TOKENS" : "STOP",
      thought: config?.thinkingConfig?.includeThoughts === true ? thinkingText(quote) : undefined,
      functionCall:
        functionCall === undefined ? undefined : { name: functionCall.name, args: functionCall.input },
    };
  };

  const resolveModel = (model: string, method: string): string => {
    if (!/^(gemini|gemma)-[a-z0-9.-]+$/.test(model)) {
      throw new SimulatedError({
        kind: "not_found",
        message: `models/${model} is not found for API version v1beta, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`,
      });
    }
    return model;
  };

  const chunksFor = (call: Call, model: string, request: GeminiGenerateContentRequest): unknown[] => {
    const { text, thought, functionCall, finishReason } = generate(call, request);
    const promptTokenCount = estimateTokens(JSON.stringify(request.contents));
    const candidatesTokenCount = estimateTokens(text);
    const thoughtsTokenCount = thought ? estimateTokens(thought) : 0;
    const responseId = hexId(11);
    const usage = {
      promptTokenCount,
      candidatesTokenCount,
      totalTokenCount: promptTokenCount + candidatesTokenCount + thoughtsTokenCount,
      ...(thought ? { thoughtsTokenCount } : {}),
    };
    const chunk = (parts: unknown[], last: boolean): unknown => ({
      candidates: [{ content: { parts, role: "model" }, ...(last ? { finishReason } : {}), index: 0 }],
      usageMetadata: last ? usage : { promptTokenCount, totalTokenCount: promptTokenCount },
      modelVersion: model,
      responseId,
    });
    const pieces = streamPieces(text);
    return [
      ...(thought ? [chunk([{ text: thought, thought: true }], false)] : []),
      ...pieces.map((piece, index) =>
        chunk(
          index === pieces.length - 1 && functionCall
            ? [{ text: piece }, { functionCall }]
            : [{ text: piece }],
          index === pieces.length - 1,
        ),
      ),
    ];
  };

  const bodySink = (url: URL, headers: IncomingHttpHeaders): ((chunk: Buffer) => void) | undefined => {
    const session = sessions.get(url.searchParams.get("upload_id") ?? "");
    if (
      session?.status !== "active" ||
      !(header(headers, "x-goog-upload-command") ?? "").includes("upload")
    ) {
      return undefined;
    }
    const pending = { hash: session.hash.copy(), bytes: 0 };
    session.pending = pending;
    return (chunk) => {
      pending.hash.update(chunk);
      pending.bytes += chunk.length;
    };
  };

  return {
    provider: "google",
    routes: [
      {
        method: "GET",
        path: /^\/v1beta\/models$/,
        surface: "native",
        handle: () => json({ models: MODELS.map(modelResource) }),
      },
      {
        method: "GET",
        path: /^\/v1beta\/models\/([^/:]+)$/,
        surface: "native",
        handle: (call) => {
          const model = MODELS.find((candidate) => candidate.id === call.params[0]);
          if (!model)
            throw new SimulatedError({ kind: "not_found", message: `models/${call.params[0]} is not found` });
          return json(modelResource(model));
        },
      },
      {
        method: "POST",
        path: /^\/v1beta\/models\/([^/:]+):generateContent$/,
        surface: "native",
        handle: (call) => {
          const model = resolveModel(call.params[0] ?? "", "generateContent");
          const request = parseWith(geminiGenerateContentRequestSchema, call);
          const chunks = chunksFor(call, model, request);
          const { text, thought, functionCall, finishReason } = generate(call, request);
          const last = chunks.at(-1);
          const usage =
            typeof last === "object" && last !== null && "usageMetadata" in last ? last.usageMetadata : {};
          return json({
            candidates: [
              {
                content: {
                  parts: [
                    ...(thought ? [{ text: thought, thought: true }] : []),
                    { text },
                    ...(functionCall ? [{ functionCall }] : []),
                  ],
                  role: "model",
                },
                finishReason,
                index: 0,
              },
            ],
            usageMetadata: usage,
            modelVersion: model,
            responseId: hexId(11),
          });
        },
      },
      {
        method: "POST",
        path: /^\/v1beta\/models\/([^/:]+):streamGenerateContent$/,
        surface: "native",
        handle: (call) => {
          const model = resolveModel(call.params[0] ?? "", "generateContent");
          const request = parseWith(geminiGenerateContentRequestSchema, call);
          const chunks = chunksFor(call, model, request);
          // Without alt=sse the service answers one JSON array of the same chunks.
          if (call.url.searchParams.get("alt") !== "sse") return json(chunks);
          if (call.fault?.kind === "stream-error") {
            const failure = googleErrorBody({ kind: "unavailable" }).body;
            return {
              type: "sse",
              frames: [dataFrame(chunks[0], "\r\n\r\n"), dataFrame(failure, "\r\n\r\n")],
            };
          }
          return { type: "sse", frames: chunks.map((chunk) => dataFrame(chunk, "\r\n\r\n")) };
        },
      },
      {
        method: "POST",
        path: /^\/v1beta\/models\/([^/:]+):countTokens$/,
        surface: "native",
        handle: (call) => {
          resolveModel(call.params[0] ?? "", "countTokens");
          const request = parseWith(
            z.looseObject({
              contents: z.array(z.unknown()).optional(),
              generateContentRequest: z.unknown().optional(),
            }),
            call,
          );
          return json({
            totalTokens: estimateTokens(
              JSON.stringify(request.contents ?? request.generateContentRequest ?? ""),
            ),
          });
        },
      },
      {
        method: "POST",
        path: /^\/upload\/v1beta\/files$/,
        surface: "native",
        // The session URL is itself the capability: chunk requests need no key, the start does.
        auth: (url) => !url.searchParams.has("upload_id"),
        keepBody: 1024 * 1024,
        bodySink,
        handle: (call) =>
          call.url.searchParams.has("upload_id")
            ? uploadChunk(call, sessions, files, resource)
            : startUpload(call, sessions),
      },
      {
        method: "GET",
        path: /^\/v1beta\/files$/,
        surface: "native",
        handle: (call) => {
          const sizeText = call.url.searchParams.get("pageSize");
          const pageSize = Math.min(100, sizeText === null ? 10 : Math.max(1, Number(sizeText) || 10));
          const token = call.url.searchParams.get("pageToken");
          const start = token ? Number(Buffer.from(token, "base64url").toString("utf8")) || 0 : 0;
          const live = files
            .all()
            .filter((file) => call.now() < file.createdAt + FILE_LIFETIME_MS)
            .reverse();
          const page = live.slice(start, start + pageSize);
          const next =
            start + pageSize < live.length
              ? Buffer.from(String(start + pageSize)).toString("base64url")
              : undefined;
          // Google omits empty repeated fields: an empty listing is `{}`.
          return json({
            ...(page.length > 0 ? { files: page.map((file) => resource(call, file)) } : {}),
            ...(next ? { nextPageToken: next } : {}),
          });
        },
      },
      {
        method: "GET",
        path: /^\/v1beta\/files\/([a-z0-9-]+)$/,
        surface: "native",
        handle: (call) => json(resource(call, liveFile(call, call.params[0] ?? ""))),
      },
      {
        method: "DELETE",
        path: /^\/v1beta\/files\/([a-z0-9-]+)$/,
        surface: "native",
        handle: (call) => {
          const file = liveFile(call, call.params[0] ?? "");
          files.delete(file.id);
          return json({});
        },
      },
    ],
    readKey: (_surface, headers, url) => {
      const key = header(headers, "x-goog-api-key") ?? url.searchParams.get("key") ?? undefined;
      return key ? { key } : { problem: { kind: "unauthenticated" } };
    },
    errorReply: (_surface, problem) => googleErrorReply(problem),
    unknownRoute: (method, url) =>
      googleErrorReply({ kind: "not_found", message: `Method not found: ${method} ${url.pathname}` }),
    newRequestId: () => hexId(8),
    commonHeaders: () => ({}),
  };
}

function modelResource(model: (typeof MODELS)[number]): unknown {
  return {
    name: `models/${model.id}`,
    version: "001",
    displayName: model.displayName,
    inputTokenLimit: model.input,
    outputTokenLimit: model.output,
    supportedGenerationMethods: ["generateContent", "countTokens"],
    thinking: true,
  };
}

function startUpload(call: Call, sessions: Map<string, UploadSession>): Reply {
  const protocol = (header(call.headers, "x-goog-upload-protocol") ?? "").toLowerCase();
  const command = (header(call.headers, "x-goog-upload-command") ?? "").toLowerCase();
  if (protocol !== "resumable" || command !== "start") {
    throw new SimulatedError({
      kind: "invalid_request",
      message:
        "Start a resumable upload with X-Goog-Upload-Protocol: resumable and X-Goog-Upload-Command: start.",
    });
  }
  const metadata =
    call.body.length === 0
      ? {}
      : parseWith(
          z.looseObject({
            file: z
              .looseObject({
                displayName: z.string().max(512).optional(),
                display_name: z.string().max(512).optional(),
                mimeType: z.string().optional(),
              })
              .optional(),
          }),
          call,
        );
  const file = "file" in metadata ? metadata.file : undefined;
  const declaredText = header(call.headers, "x-goog-upload-header-content-length");
  const declaredSize = declaredText === undefined ? undefined : Number(declaredText);
  if (declaredSize !== undefined && (!Number.isInteger(declaredSize) || declaredSize < 0)) {
    throw new SimulatedError({
      kind: "invalid_request",
      message: "X-Goog-Upload-Header-Content-Length must be a byte count.",
    });
  }
  if (declaredSize !== undefined && declaredSize > FILE_SIZE_LIMIT)
    throw new SimulatedError({ kind: "too_large" });
  const uploadId = `AU${hexId(24)}`;
  sessions.set(uploadId, {
    declaredSize,
    mimeType:
      header(call.headers, "x-goog-upload-header-content-type") ??
      file?.mimeType ??
      "application/octet-stream",
    displayName: file?.displayName ?? file?.display_name ?? header(call.headers, "x-goog-upload-file-name"),
    received: 0,
    hash: createHash("sha256"),
    pending: undefined,
    status: "active",
    file: undefined,
  });
  return {
    type: "empty",
    status: 200,
    headers: {
      "x-goog-upload-url": `${call.origin}/upload/v1beta/files?upload_id=${uploadId}&upload_protocol=resumable`,
      "x-goog-upload-status": "active",
      "x-goog-upload-chunk-granularity": String(CHUNK_GRANULARITY),
    },
  };
}

function uploadChunk(
  call: Call,
  sessions: Map<string, UploadSession>,
  files: FileShelf<StoredFile>,
  resource: (call: Call, file: StoredFile) => Record<string, unknown>,
): Reply {
  const session = sessions.get(call.url.searchParams.get("upload_id") ?? "");
  if (!session) throw new SimulatedError({ kind: "not_found", message: "Upload session not found." });
  const pending = session.pending;
  session.pending = undefined;
  const commands = (header(call.headers, "x-goog-upload-command") ?? "")
    .toLowerCase()
    .split(",")
    .map((command) => command.trim());
  const statusHeaders = (): Record<string, string> => ({
    "x-goog-upload-status": session.status,
    "x-goog-upload-size-received": String(session.received),
  });

  if (commands.includes("query")) return { type: "empty", status: 200, headers: statusHeaders() };
  if (commands.includes("cancel")) {
    session.status = "cancelled";
    return { type: "empty", status: 200, headers: statusHeaders() };
  }
  if (session.status === "final" && session.file && commands.includes("finalize")) {
    // A repeated finalize (the first answer was lost) gets the same file back.
    return json({ file: resource(call, session.file) }, 200, statusHeaders());
  }
  if (session.status !== "active") {
    return {
      ...googleErrorReply({ kind: "invalid_request", message: `Upload session is ${session.status}.` }),
      headers: statusHeaders(),
    };
  }
  if (commands.includes("upload")) {
    const offset = Number(header(call.headers, "x-goog-upload-offset") ?? "NaN");
    if (offset !== session.received) {
      return {
        ...googleErrorReply({
          kind: "invalid_request",
          message: `X-Goog-Upload-Offset ${offset} does not match the ${session.received} bytes received so far.`,
        }),
        headers: statusHeaders(),
      };
    }
    if (pending) {
      session.hash = pending.hash;
      session.received += pending.bytes;
    }
    if (session.received > (session.declaredSize ?? FILE_SIZE_LIMIT)) {
      session.status = "cancelled";
      throw new SimulatedError({
        kind: "invalid_request",
        message: "More bytes were sent than X-Goog-Upload-Header-Content-Length declared.",
      });
    }
  }
  if (!commands.includes("finalize")) return { type: "empty", status: 200, headers: statusHeaders() };
  if (session.declaredSize !== undefined && session.received !== session.declaredSize) {
    return {
      ...googleErrorReply({
        kind: "invalid_request",
        message: `Upload is incomplete: ${session.received} of ${session.declaredSize} bytes received.`,
      }),
      headers: statusHeaders(),
    };
  }
  const createdAt = call.now();
  const large = session.received >= PROCESSING_THRESHOLD_BYTES || session.mimeType.startsWith("video/");
  const file: StoredFile = {
    id: geminiFileId(),
    displayName: session.displayName,
    mimeType: session.mimeType,
    sizeBytes: session.received,
    sha256: session.hash.digest("base64"),
    createdAt,
    readyAt: large ? createdAt + PROCESSING_MS : createdAt,
  };
  files.put(file.id, file, 0);
  session.status = "final";
  session.file = file;
  return json({ file: resource(call, file) }, 200, statusHeaders());
}
