// `ask --provider <id> "prompt"`: one chat turn with one provider, the answer streamed to stdout as
// it arrives. `--file` attaches files the way each provider takes them; `--json` prints one object.
import { readFile, stat } from "node:fs/promises";
import { basename, extname } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import type { ProviderApi } from "../config/schema/index.ts";
import { AppError } from "../errors.ts";
import { createLogger } from "../observability/logger.ts";
import {
  type ChatContentPart,
  type ChatRequest,
  type ChatResponse,
  type ChatStreamEvent,
  collectChatStream,
} from "../providers/chat.ts";
import { type AnyProviderClient, createProviderClient } from "../providers/clients.ts";
import { requireCredential } from "../providers/credentials.ts";
import { isProviderError, type ProviderError } from "../providers/errors.ts";
import { isTextMime } from "../providers/files.ts";
import { resolveProvider } from "../providers/registry.ts";
import {
  CircuitOpenError,
  FallbackExhaustedError,
  isResilienceError,
  type ResilienceError,
} from "../resilience/errors.ts";
import { createResilience, policyConfigFor } from "../resilience/resilience.ts";
import { cliContext } from "./context.ts";

/** Used when --model is not given; any model the provider lists can be named instead. */
export const DEFAULT_ASK_MODELS: Readonly<Record<ProviderApi, string>> = {
  anthropic: "claude-sonnet-4-5",
  google: "gemini-2.5-flash",
  zai: "glm-4.6",
  moonshot: "kimi-k2-turbo-preview",
};

/** Above this, Gemini gets the file through its Files API instead of inline in the request. */
const GEMINI_INLINE_LIMIT_BYTES = 20 * 1024 * 1024;
const MAX_FILE_BYTES: Readonly<Record<ProviderApi, number>> = {
  anthropic: 500 * 1024 * 1024,
  google: 2 * 1024 * 1024 * 1024,
  zai: 10 * 1024 * 1024,
  moonshot: 100 * 1024 * 1024,
};

interface AskOptions {
  provider: string;
  model?: string;
  file: string[];
  system?: string;
  maxTokens?: number;
  json?: boolean;
}

export function registerAskCommand(program: Command): void {
  program
    .command("ask")
    .description("send one prompt to a provider and stream the answer to stdout")
    .requiredOption("--provider <id>", "provider id: anthropic, google, zai, moonshot, or one from config")
    .option("--model <model>", "model to ask (default: a current general model of the provider)")
    .option(
      "--file <path>",
      "attach a file (repeatable)",
      (path: string, previous: string[]) => [...previous, path],
      [],
    )
    .option("--system <text>", "system prompt")
    .option("--max-tokens <n>", "longest answer, in tokens", parsePositiveInteger)
    .option("--json", "print one JSON object instead of streaming text")
    .argument("<prompt>", "what to ask")
    .action(async (prompt: string, options: AskOptions, command: Command) => {
      await runAsk(prompt, options, command);
    });
}

async function runAsk(prompt: string, options: AskOptions, command: Command): Promise<void> {
  const context = cliContext(command);
  const { config } = context.config();
  const asked = resolveProvider(config, options.provider);
  // The asked provider's key and files are checked before anything is sent, as a usage error.
  requireCredential(asked, context.paths);
  await Promise.all(options.file.map((path) => readLocalFile(path, asked.api)));
  // Each provider of the fallback chain gets its own client, files and model, made when first tried.
  const sessions = new Map<string, AskSession>();
  const openSession = async (id: string): Promise<AskSession> => {
    const existing = sessions.get(id);
    if (existing) return existing;
    const provider = resolveProvider(config, id);
    // The connection pool enforces the policy's deadlines too: connecting is only timed there, and its
    // own defaults must not cut a call the policy allows to run longer.
    const timeouts = policyConfigFor(config, id).timeouts;
    const client = createProviderClient(provider, requireCredential(provider, context.paths), {
      timeouts: {
        connectMs: timeouts.connectMs,
        firstByteMs: timeouts.firstByteMs,
        bodyIdleMs: timeouts.idleMs,
      },
    });
    const attachments = new Attachments(client);
    try {
      const files = await Promise.all(options.file.map((path) => readLocalFile(path, provider.api)));
      const prepared = await attachments.prepare(files);
      const session: AskSession = {
        client,
        attachments,
        attached: prepared.attached,
        request: {
          model: (id === asked.id ? options.model : undefined) ?? DEFAULT_ASK_MODELS[provider.api],
          messages: [{ role: "user", content: [...prepared.parts, { type: "text", text: prompt }] }],
          ...joinSystem(options.system, prepared.system),
          ...(options.maxTokens === undefined ? {} : { maxOutputTokens: options.maxTokens }),
        },
      };
      sessions.set(id, session);
      return session;
    } catch (error) {
      // Tried again from scratch on the next attempt.
      await attachments.cleanup();
      await client.close();
      throw error;
    }
  };
  // A one-shot command says itself what matters (each fallback, the final error) in plain lines; the
  // policy layer's operational warnings (a circuit opening, Redis going away) are JSON for a server's
  // logs, so here they appear only when AI_ORCHESTRATOR_LOG_LEVEL asks for them.
  const logger = createLogger({ level: process.env.AI_ORCHESTRATOR_LOG_LEVEL ? undefined : "error" });
  const resilience = createResilience({ config, paths: context.paths, logger });
  let wroteText = false;
  try {
    const result = await resilience.executeWithFallback(asked.id, async (id, call) => {
      const session = await openSession(id);
      return askProvider(session.client, { ...session.request, signal: call.signal }, (event) => {
        call.progress();
        if (options.json || event.type !== "text-delta") return;
        process.stdout.write(event.text);
        wroteText = true;
        call.delivered();
      });
    });
    const response = result.value;
    if (options.json) {
      const fallbacks = result.fallbacks.length === 0 ? {} : { fallbacks: result.fallbacks };
      const attached = sessions.get(result.provider)?.attached ?? [];
      process.stdout.write(`${JSON.stringify({ ...askResult(response, attached), ...fallbacks })}\n`);
    } else {
      if (wroteText && !response.text.endsWith("\n")) process.stdout.write("\n");
      for (const fallback of result.fallbacks) {
        process.stderr.write(
          `ai-orchestrator: ${fallback.provider} failed (${fallback.message}); tried the next provider\n`,
        );
      }
      if (result.fallbacks.length > 0)
        process.stderr.write(`ai-orchestrator: answered by ${result.provider}\n`);
    }
  } catch (error) {
    if (!isProviderError(error) && !isResilienceError(error)) throw error;
    if (wroteText) process.stdout.write("\n");
    if (options.json) {
      const summary = isProviderError(error) ? errorSummary(error) : policyErrorSummary(error, asked.id);
      process.stdout.write(`${JSON.stringify({ error: summary })}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  } finally {
    for (const session of sessions.values()) {
      await session.attachments.cleanup();
      await session.client.close();
    }
    await resilience.close();
  }
}

interface AskSession {
  client: AnyProviderClient;
  attachments: Attachments;
  request: ChatRequest;
  attached: string[];
}

/**
 * The one call to the provider, streamed: everything a resilience policy should wrap
 * (`policy.execute(provider, () => askProvider(client, request, onEvent))`). It makes no other call.
 */
export function askProvider(
  client: AnyProviderClient,
  request: ChatRequest,
  onEvent: (event: ChatStreamEvent) => void,
): Promise<ChatResponse> {
  return collectChatStream(client.provider, request.model, client.streamChat(request), onEvent);
}

export function askResult(response: ChatResponse, attached: readonly string[]): Record<string, unknown> {
  return {
    provider: response.provider,
    model: response.model,
    text: response.text,
    ...(response.reasoning === undefined ? {} : { reasoning: response.reasoning }),
    finishReason: response.finishReason,
    usage: response.usage ?? null,
    ...(attached.length === 0 ? {} : { files: attached }),
  };
}

export function errorSummary(error: ProviderError): Record<string, unknown> {
  return {
    kind: error.kind,
    provider: error.provider,
    status: error.status ?? null,
    retryable: error.retryable,
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    message: error.message,
  };
}

/** The same JSON shape as a provider's error, for a refusal by the policy layer itself. */
function policyErrorSummary(error: ResilienceError, askedProvider: string): Record<string, unknown> {
  const lastAttempt = error instanceof FallbackExhaustedError ? error.attempts.at(-1) : undefined;
  const status =
    error instanceof CircuitOpenError
      ? error.lastFailure?.status
      : error instanceof FallbackExhaustedError && isProviderError(error.lastError)
        ? error.lastError.status
        : undefined;
  return {
    kind: error.kind,
    provider: "provider" in error ? error.provider : (lastAttempt?.provider ?? askedProvider),
    status: status ?? null,
    retryable: false,
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    message: error.message,
  };
}

function joinSystem(system: string | undefined, fileContext: string | undefined): { system?: string } {
  const parts = [system, fileContext].filter((part) => part !== undefined && part !== "");
  return parts.length === 0 ? {} : { system: parts.join("\n\n") };
}

interface LocalFile {
  path: string;
  filename: string;
  mimeType: string;
  data: Uint8Array;
}

async function readLocalFile(path: string, api: ProviderApi): Promise<LocalFile> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new AppError("usage", `--file ${path}: not a regular file`);
    size = info.size;
  } catch (error) {
    if (error instanceof AppError) throw error;
    const code = error instanceof Error && "code" in error ? String(error.code) : String(error);
    throw new AppError("usage", `--file ${path}: cannot be read (${code})`);
  }
  if (size > MAX_FILE_BYTES[api]) {
    const limit = `${Math.round(MAX_FILE_BYTES[api] / 1024 / 1024)} MB`;
    throw new AppError("usage", `--file ${path}: ${size} bytes is more than ${api} takes (${limit})`);
  }
  const data = new Uint8Array(await readFile(path));
  return { path, filename: basename(path), mimeType: guessMimeType(path, data), data };
}

const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  ".txt": "text/plain",
  ".md": "text/markdown",
  ".csv": "text/csv",
  ".html": "text/html",
  ".json": "application/json",
  ".yaml": "application/yaml",
  ".yml": "application/yaml",
  ".xml": "application/xml",
  ".log": "text/plain",
  ".pdf": "application/pdf",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".mp4": "video/mp4",
  ".mp3": "audio/mpeg",
  ".wav": "audio/wav",
  ".doc": "application/msword",
  ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
};

/** By extension; an unknown extension holding UTF-8 without NUL bytes is text (source code, configs). */
export function guessMimeType(path: string, data: Uint8Array): string {
  const known = MIME_BY_EXTENSION[extname(path).toLowerCase()];
  if (known) return known;
  if (data.includes(0)) return "application/octet-stream";
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(data.subarray(0, 64 * 1024));
    return "text/plain";
  } catch {
    return "application/octet-stream";
  }
}

/** Puts local files into the request the way the provider takes them, and removes what it uploaded. */
class Attachments {
  readonly #client: AnyProviderClient;
  readonly #uploaded: string[] = [];

  constructor(client: AnyProviderClient) {
    this.#client = client;
  }

  async prepare(
    files: readonly LocalFile[],
  ): Promise<{ parts: ChatContentPart[]; system: string | undefined; attached: string[] }> {
    const client = this.#client;
    const parts: ChatContentPart[] = [];
    const extracted: string[] = [];
    const totalBytes = files.reduce((sum, file) => sum + file.data.byteLength, 0);
    for (const file of files) {
      if (client.api === "moonshot") {
        // Moonshot's documented way: extract the text server-side, hand it over as system context.
        const record = await client.files.upload({
          filename: file.filename,
          mimeType: file.mimeType,
          data: file.data,
        });
        this.#uploaded.push(record.id);
        const content = await client.files.content(record.id);
        extracted.push(`Contents of the file ${file.filename}:\n${content.text}`);
      } else if (client.api === "google") {
        if (totalBytes <= GEMINI_INLINE_LIMIT_BYTES) {
          parts.push({
            type: "inline-data",
            mimeType: file.mimeType,
            data: file.data,
            filename: file.filename,
          });
          continue;
        }
        const record = await client.files.upload({
          filename: file.filename,
          mimeType: file.mimeType,
          data: file.data,
        });
        this.#uploaded.push(record.id);
        const active = record.state === "ready" ? record : await client.files.waitUntilActive(record.id);
        parts.push({ type: "provider-file", fileId: active.uri ?? active.id, mimeType: file.mimeType });
      } else if (client.api === "anthropic") {
        const mimeType = anthropicMimeType(file);
        const record = await client.files.upload({ filename: file.filename, mimeType, data: file.data });
        this.#uploaded.push(record.id);
        parts.push({ type: "provider-file", fileId: record.id, mimeType, filename: file.filename });
      } else {
        if (!isTextMime(file.mimeType) && !file.mimeType.startsWith("image/")) {
          throw new AppError(
            "usage",
            `--file ${file.path}: Z.ai chat takes text files and images, not ${file.mimeType}`,
          );
        }
        parts.push({
          type: "inline-data",
          mimeType: file.mimeType,
          data: file.data,
          filename: file.filename,
        });
      }
    }
    return {
      parts,
      system: extracted.length === 0 ? undefined : extracted.join("\n\n"),
      attached: files.map((file) => file.filename),
    };
  }

  /** Best effort: a file left behind is only storage; the answer already reached the user. */
  async cleanup(): Promise<void> {
    for (const id of this.#uploaded.splice(0)) {
      try {
        await this.#client.files.delete(id);
      } catch {
        // Nothing to tell the user that they can act on.
      }
    }
  }
}

/** Anthropic reads documents as PDF or plain text, and images as images. */
function anthropicMimeType(file: LocalFile): string {
  if (file.mimeType === "application/pdf" || file.mimeType.startsWith("image/")) return file.mimeType;
  if (isTextMime(file.mimeType)) return "text/plain";
  throw new AppError(
    "usage",
    `--file ${file.path}: Anthropic takes PDF, text and image files, not ${file.mimeType}; convert it to PDF first`,
  );
}

function parsePositiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0)
    throw new InvalidArgumentError("must be a positive whole number");
  return number;
}
