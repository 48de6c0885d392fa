// One chat turn, whoever asks: the model or provider named → its route, each target tried through
// the resilience layer with its own attachments and model, the answer streamed back. `ask`, the HTTP
// routes that translate, and the MCP tools are thin adapters over this one implementation.
import { allowedTargets, type ProviderAccess } from "../auth/provider-access.ts";
import type { Config } from "../config/schema/index.ts";
import { AppError } from "../errors.ts";
import {
  type ChatContentPart,
  type ChatMessage,
  type ChatRequest,
  type ChatResponse,
  type ChatStreamEvent,
  type ChatTool,
  collectChatStream,
} from "../providers/chat.ts";
import type { AnyProviderClient } from "../providers/clients.ts";
import type { FallbackAttempt } from "../resilience/errors.ts";
import type { Resilience } from "../resilience/resilience.ts";
import {
  type AttachedFile,
  type ChatFileInput,
  type FileCopies,
  loadChatFiles,
  type PreparedAttachments,
  prepareAttachments,
} from "./attachments.ts";
import { executeRoute } from "./execute-route.ts";
import { type Route, type RouteTarget, resolveRoute, routeForProvider } from "./routing.ts";

/** Who is asked, or who answered: a provider id and the model name sent to it. */
export interface ChatTarget {
  provider: string;
  model: string;
}

/** Handed to `onEvent` with each event of the answer being streamed. */
export interface ChatStreamContext {
  /** The target this event comes from; a fallback changes it. */
  target: ChatTarget;
  /**
   * Call once part of the answer has reached the client (text printed, bytes sent on): from then
   * on a failure is neither retried nor handed to the next target, which would repeat that part.
   * Until it is called, the events of an attempt that fails may be followed by a retry's or the
   * next target's, each starting with a `start` event.
   */
  delivered(): void;
}

export interface ChatInput {
  /** Routed by name: `provider/model`, an alias from `gateway.models`, or a well-known prefix. */
  model?: string;
  /** That provider's own route; `model` is then its model name as is (default: its main model). */
  provider?: string;
  /** The conversation; `prompt`, when given too, is added as the last user turn. */
  messages?: readonly ChatMessage[];
  prompt?: string;
  system?: string;
  /**
   * Local files attached to the last user message, the way each target's provider takes files:
   * inline, or the hub registry's copy on that provider (uploaded once, reused by later chats).
   */
  files?: readonly ChatFileInput[];
  /** Who the audit trail names for an upload the files need (default `chat`). */
  actor?: string;
  maxOutputTokens?: number;
  temperature?: number;
  thinking?: boolean;
  tools?: readonly ChatTool[];
  /** The caller giving up: aborts the call in flight and any retry or fallback. */
  signal?: AbortSignal;
  /** A hub key's provider allow-list: only its providers are tried, fallbacks too (forbidden when none). */
  access?: ProviderAccess | undefined;
  onEvent?: (event: ChatStreamEvent, stream: ChatStreamContext) => void;
}

export interface ChatResult {
  response: ChatResponse;
  /** The target that answered. */
  target: ChatTarget;
  /** The targets given up on before it, in order, and why; empty when the first one answered. */
  fallbacks: FallbackAttempt[];
  /** The names of the attached files. */
  files: string[];
  /** How each file reached the target that answered: its sha256, and its registry copy there, if any. */
  attachments: AttachedFile[];
}

export interface ChatService {
  /**
   * Throws AppError (usage: no model or provider, unknown model, unreadable or unsuitable file;
   * credential: the first target's key is missing) before anything is sent; afterwards the
   * target's ProviderError for a chain of one, or a resilience error (FallbackExhaustedError,
   * CircuitOpenError, BulkheadFullError).
   */
  chat(input: ChatInput): Promise<ChatResult>;
  /** The chain of targets `chat` would try, first the one asked for. */
  route(input: Pick<ChatInput, "model" | "provider">): Route;
}

export interface ChatServiceParts {
  config: Config;
  resilience: Resilience;
  /** One client per provider; throws AppError("credential") when the provider's key is missing. */
  providers: { client(provider: string): AnyProviderClient };
  /** The hub's file registry; without it, files a target takes by reference (not inline) are refused. */
  files?: FileCopies | undefined;
}

export function createChatService(parts: ChatServiceParts): ChatService {
  const { config, resilience, providers, files: copies } = parts;

  const route = (input: Pick<ChatInput, "model" | "provider">): Route => {
    if (input.provider !== undefined) return routeForProvider(config, input.provider, input.model);
    if (input.model !== undefined) return resolveRoute(config, input.model);
    throw new AppError(
      "usage",
      "no model named: give a model (provider/model, an alias, or a name like glm-4.6) or a provider",
    );
  };

  const chat = async (input: ChatInput): Promise<ChatResult> => {
    const routed = route(input);
    const chosen = { ...routed, targets: allowedTargets(input.access, routed.targets, routed.asked) };
    const [first] = chosen.targets;
    if (!first) throw new Error("a route has at least one target");
    // The first target's key and the files are checked before anything is sent, as the caller's mistake.
    providers.client(first.provider.id);
    const files = await loadChatFiles(input.files ?? [], first.provider);
    const messages = conversation(input, files.length > 0);
    // Per target, made when first tried, before its call holds a slot of the provider's bulkhead
    // (an upload takes one of its own); a retry on the same target reuses them.
    const prepared = new Map<RouteTarget, PreparedAttachments>();
    const prepare = async (target: RouteTarget): Promise<void> => {
      if (prepared.has(target)) return;
      const client = providers.client(target.provider.id);
      const actor = input.actor ?? "chat";
      prepared.set(
        target,
        await prepareAttachments(client, target.provider, files, { copies, actor, signal: input.signal }),
      );
    };
    const result = await executeRoute(
      resilience,
      chosen,
      async (target, context) => {
        const client = providers.client(target.provider.id);
        const attachments = prepared.get(target) ?? NO_ATTACHMENTS;
        const request: ChatRequest = {
          model: target.model,
          messages: withAttachments(messages, attachments.parts),
          ...joinSystem(input.system, attachments.system),
          ...options(input),
          signal: context.signal,
        };
        const stream: ChatStreamContext = {
          target: { provider: target.provider.id, model: target.model },
          delivered: () => context.delivered(),
        };
        const response = await collectChatStream(
          client.provider,
          target.model,
          client.streamChat(request),
          (event) => {
            context.progress();
            input.onEvent?.(event, stream);
          },
        );
        return { response, attachments: attachments.files };
      },
      { signal: input.signal, prepare: files.length === 0 ? undefined : prepare },
    );
    return {
      response: result.value.response,
      target: { provider: result.target.provider.id, model: result.target.model },
      fallbacks: result.fallbacks,
      files: files.map((file) => file.filename),
      attachments: result.value.attachments,
    };
  };

  return { chat, route };
}

const NO_ATTACHMENTS: PreparedAttachments = { parts: [], system: undefined, files: [] };

function conversation(input: ChatInput, withFiles: boolean): ChatMessage[] {
  const messages = [...(input.messages ?? [])];
  if (input.prompt !== undefined) messages.push({ role: "user", content: input.prompt });
  if (messages.length === 0) throw new AppError("usage", "nothing to ask: give a prompt or messages");
  if (withFiles && messages.at(-1)?.role !== "user")
    throw new AppError("usage", "files attach to the last message, which must be the user's");
  return messages;
}

/** Files go before the text of the last user message, where every provider expects them. */
function withAttachments(messages: readonly ChatMessage[], parts: readonly ChatContentPart[]): ChatMessage[] {
  if (parts.length === 0) return [...messages];
  const last = messages.at(-1);
  if (last?.role !== "user") throw new Error("conversation() lets files through only after a user message");
  const text: readonly ChatContentPart[] =
    typeof last.content === "string" ? [{ type: "text", text: last.content }] : last.content;
  return [...messages.slice(0, -1), { role: "user", content: [...parts, ...text] }];
}

function joinSystem(system: string | undefined, fileContext: string | undefined): { system?: string } {
  const parts = [system, fileContext].filter((part) => part !== undefined && part !== "");
  return parts.length === 0 ? {} : { system: parts.join("\n\n") };
}

function options(input: ChatInput): Partial<ChatRequest> {
  return {
    ...(input.maxOutputTokens === undefined ? {} : { maxOutputTokens: input.maxOutputTokens }),
    ...(input.temperature === undefined ? {} : { temperature: input.temperature }),
    ...(input.thinking === undefined ? {} : { thinking: input.thinking }),
    ...(input.tools === undefined ? {} : { tools: input.tools }),
  };
}
