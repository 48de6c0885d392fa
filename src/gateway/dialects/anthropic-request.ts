// An Anthropic Messages request body as a chat request, for a target that speaks another API.
// What the chat vocabulary cannot carry is refused with a 400 naming the field; docs/translation.md
// lists every feature and what happens to it.
import { z } from "zod";
import type { ChatContentPart, ChatMessage, ChatRequest, ChatToolChoice } from "../../providers/chat.ts";
import {
  type AnthropicKnownRequestBlock,
  type AnthropicMessagesRequest,
  type AnthropicRequestBlock,
  anthropicCustomToolSchema,
  anthropicMessagesRequestSchema,
  isKnownAnthropicRequestBlock,
} from "../../wire/anthropic-messages.ts";
import { parseBody, refuseUnknownFields, requireTurns, untranslatable } from "./request-errors.ts";
import { type TranslatedRequest, userContent } from "./translated-request.ts";

const DIALECT = "Anthropic Messages";

/**
 * A count_tokens request: a message's fields without the generation settings, which count_tokens
 * does not need (and a client may still send).
 */
const countTokensRequestSchema = anthropicMessagesRequestSchema.extend({
  max_tokens: z.number().int().positive().optional(),
});
type AnthropicCountableRequest = z.infer<typeof countTokensRequestSchema>;

/** Fields refused: what they ask for happens at Anthropic alone. */
const UNTRANSLATABLE_FIELDS = ["container", "mcp_servers", "output_format"] as const;

/** Fields of the Messages API this translation reads, refuses or may ignore. */
const KNOWN_FIELDS: ReadonlySet<string> = new Set([
  ...UNTRANSLATABLE_FIELDS,
  "model",
  "messages",
  "max_tokens",
  "system",
  "stream",
  "temperature",
  "top_p",
  "top_k",
  "stop_sequences",
  "thinking",
  "tools",
  "tool_choice",
  "output_config",
  "context_management",
  // Bookkeeping, routing and caching hints that do not change the answer.
  "metadata",
  "service_tier",
  "inference_geo",
  "speed",
  "cache_control",
  "user_profile_id",
  "workspace_id",
  "diagnostics",
]);

/** What the Messages API calls the fields other dialects' clients send by mistake. */
const HINTS = {
  max_completion_tokens: "use max_tokens",
  stop: "use stop_sequences",
  systemInstruction: "use system",
};

/** Throws AppError("usage") for a malformed body or a feature another provider cannot be given. */
export function parseAnthropicRequest(body: unknown, options: { count?: boolean } = {}): TranslatedRequest {
  const wire = parseBody<AnthropicCountableRequest>(
    options.count === true ? countTokensRequestSchema : anthropicMessagesRequestSchema,
    body,
  );
  refuseUnknownFields(wire, KNOWN_FIELDS, DIALECT, HINTS);
  refuseUntranslatableFields(wire);
  const systems = wire.system === undefined ? [] : [systemText(wire.system, "system")];
  const messages: ChatMessage[] = [];
  const toolNames = new Map<string, string>();
  for (const [index, message] of wire.messages.entries()) {
    const where = `messages.${index}`;
    if (message.role === "system") {
      // A mid-conversation system message (Claude Code sends them) joins the system prompt.
      systems.push(systemText(message.content, `${where}.content`));
      continue;
    }
    const blocks = knownBlocks(message.content, `${where}.content`);
    if (message.role === "assistant") messages.push(assistantMessage(blocks, toolNames, where));
    else messages.push(...userMessages(blocks, toolNames, where));
  }
  requireTurns(
    messages,
    "messages",
    "no user or assistant message to answer (system messages join the system prompt)",
  );
  const chat: ChatRequest = {
    model: wire.model,
    messages,
    ...(wire.max_tokens === undefined ? {} : { maxOutputTokens: wire.max_tokens }),
    ...(systems.length === 0 ? {} : { system: systems.join("\n\n") }),
    ...(wire.temperature === undefined ? {} : { temperature: wire.temperature }),
    ...(wire.top_p === undefined ? {} : { topP: wire.top_p }),
    ...(wire.top_k === undefined ? {} : { topK: wire.top_k }),
    ...(wire.stop_sequences === undefined ? {} : { stopSequences: wire.stop_sequences }),
    ...(wire.thinking === undefined ? {} : { thinking: wire.thinking.type !== "disabled" }),
    ...(wire.tools === undefined ? {} : { tools: tools(wire.tools) }),
    ...(wire.tool_choice === undefined ? {} : { toolChoice: toolChoice(wire.tool_choice) }),
  };
  return {
    chat,
    stream: wire.stream === true,
    streamFraming: "sse",
    includeUsage: false,
    // `display: "omitted"`: the model may think, but the answer shows no thinking.
    omitReasoning: wire.thinking?.display === "omitted",
  };
}

/**
 * Fields that change the answer and have no counterpart in the chat vocabulary. Claude Code sends
 * `output_config.effort` and `context_management` with clear_thinking edits on every call: effort is
 * a hint each provider settles for itself, and clearing earlier thinking only shortens the context.
 */
function refuseUntranslatableFields(wire: AnthropicCountableRequest): void {
  for (const field of UNTRANSLATABLE_FIELDS) {
    if (wire[field] !== undefined && wire[field] !== null) throw untranslatable(field, DIALECT);
  }
  for (const key of Object.keys(wire.output_config ?? {})) {
    if (key !== "effort") throw untranslatable(`output_config.${key}`, DIALECT);
  }
  for (const [index, edit] of (wire.context_management?.edits ?? []).entries()) {
    if (!edit.type.startsWith("clear_thinking_")) {
      throw untranslatable(`context_management.edits.${index} (${edit.type})`, DIALECT);
    }
  }
}

function systemText(content: string | readonly AnthropicRequestBlock[], where: string): string {
  if (typeof content === "string") return content;
  return content
    .map((block, index) => {
      if (!isKnownAnthropicRequestBlock(block) || block.type !== "text") {
        throw untranslatable(`${where}.${index} (block type ${block.type} in a system prompt)`, DIALECT);
      }
      return block.text;
    })
    .join("\n\n");
}

function knownBlocks(
  content: string | readonly AnthropicRequestBlock[],
  where: string,
): AnthropicKnownRequestBlock[] {
  if (typeof content === "string") return [{ type: "text", text: content }];
  return content.map((block, index) => {
    if (!isKnownAnthropicRequestBlock(block)) {
      throw untranslatable(`${where}.${index} (block type ${block.type})`, DIALECT);
    }
    return block;
  });
}

function assistantMessage(
  blocks: readonly AnthropicKnownRequestBlock[],
  toolNames: Map<string, string>,
  where: string,
): ChatMessage {
  let text = "";
  let reasoning = "";
  const toolCalls = [];
  for (const [index, block] of blocks.entries()) {
    switch (block.type) {
      case "text":
        text += block.text;
        break;
      case "thinking":
        reasoning += block.thinking;
        break;
      case "redacted_thinking":
        // Encrypted for Anthropic alone: no other provider could read it.
        break;
      case "tool_use":
        toolNames.set(block.id, block.name);
        toolCalls.push({ id: block.id, name: block.name, arguments: JSON.stringify(block.input ?? {}) });
        break;
      default:
        throw untranslatable(
          `${where}.content.${index} (block type ${block.type} from the assistant)`,
          DIALECT,
        );
    }
  }
  return {
    role: "assistant",
    content: text,
    ...(reasoning === "" ? {} : { reasoning }),
    ...(toolCalls.length === 0 ? {} : { toolCalls }),
  };
}

/** Tool results become tool messages, ahead of the rest of the turn as OpenAI-style APIs require. */
function userMessages(
  blocks: readonly AnthropicKnownRequestBlock[],
  toolNames: ReadonlyMap<string, string>,
  where: string,
): ChatMessage[] {
  const results: ChatMessage[] = [];
  const parts: ChatContentPart[] = [];
  for (const [index, block] of blocks.entries()) {
    const at = `${where}.content.${index}`;
    if (block.type === "tool_result") {
      const name = toolNames.get(block.tool_use_id);
      if (name === undefined) {
        throw untranslatable(`${at} (a tool_result for a tool_use not in the conversation)`, DIALECT);
      }
      results.push({
        role: "tool",
        toolCallId: block.tool_use_id,
        name,
        content: toolResultText(block.content, at),
        ...(block.is_error === true ? { isError: true } : {}),
      });
    } else if (block.type === "text") {
      parts.push({ type: "text", text: block.text });
    } else if (block.type === "image" || block.type === "document") {
      parts.push(inlinePart(block, at));
    } else {
      throw untranslatable(`${at} (block type ${block.type} from the user)`, DIALECT);
    }
  }
  if (parts.length === 0) return results;
  return [...results, { role: "user", content: userContent(parts) }];
}

function toolResultText(
  content: Extract<AnthropicKnownRequestBlock, { type: "tool_result" }>["content"],
  where: string,
): string {
  if (content === undefined) return "";
  if (typeof content === "string") return content;
  return content
    .map((block, index) => {
      if (block.type === "text" && "text" in block && typeof block.text === "string") return block.text;
      throw untranslatable(`${where}.content.${index} (block type ${block.type} in a tool result)`, DIALECT);
    })
    .join("\n\n");
}

function inlinePart(
  block: Extract<AnthropicKnownRequestBlock, { type: "image" | "document" }>,
  where: string,
): ChatContentPart {
  const source = block.source;
  if (source.type === "base64") {
    return {
      type: "inline-data",
      mimeType: source.media_type,
      data: Buffer.from(source.data, "base64"),
      ...(block.type === "document" && block.title ? { filename: block.title } : {}),
    };
  }
  if (source.type === "text") {
    return {
      type: "inline-data",
      mimeType: source.media_type ?? "text/plain",
      data: Buffer.from(source.data, "utf8"),
      ...(block.type === "document" && block.title ? { filename: block.title } : {}),
    };
  }
  // URLs would need the hub to fetch them, file ids mean nothing to another provider.
  throw untranslatable(`${where}.source (${block.type} given by ${source.type})`, DIALECT);
}

function tools(wireTools: NonNullable<AnthropicMessagesRequest["tools"]>): ChatRequest["tools"] {
  return wireTools.flatMap((entry, index) => {
    // Server tools (web search, code execution) run at Anthropic; a custom tool has its input_schema.
    const custom = anthropicCustomToolSchema.safeParse(entry);
    if (!custom.success) throw untranslatable(`tools.${index} (the server tool ${entry.type})`, DIALECT);
    const tool = custom.data;
    // A deferred tool is hidden from the model until a tool search loads it, so it is not offered.
    if (tool.defer_loading === true) return [];
    return {
      name: tool.name,
      ...(typeof tool.description === "string" ? { description: tool.description } : {}),
      parameters: tool.input_schema,
    };
  });
}

function toolChoice(choice: NonNullable<AnthropicMessagesRequest["tool_choice"]>): ChatToolChoice {
  if (choice.disable_parallel_tool_use === true) {
    throw untranslatable("tool_choice.disable_parallel_tool_use", DIALECT);
  }
  if (choice.type === "any") return "required";
  if (choice.type === "tool") {
    if (choice.name === undefined) throw untranslatable("tool_choice of type tool without a name", DIALECT);
    return { name: choice.name };
  }
  return choice.type;
}
