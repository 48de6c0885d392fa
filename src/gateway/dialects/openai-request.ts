// An OpenAI Chat Completions request body as a chat request, for a target that speaks another API.
// What the chat vocabulary cannot carry is refused with a 400 naming the field (docs/translation.md).
import type {
  ChatContentPart,
  ChatMessage,
  ChatRequest,
  ChatTool,
  ChatToolChoice,
} from "../../providers/chat.ts";
import {
  isKnownOpenAiUserPart,
  isOpenAiFunctionTool,
  type OpenAiChatRequest,
  type OpenAiMessageParam,
  type OpenAiUserPart,
  openAiChatRequestSchema,
} from "../../wire/openai-chat-completions.ts";
import { parseBody, refuseUnknownFields, requireTurns, untranslatable } from "./request-errors.ts";
import { type TranslatedRequest, userContent } from "./translated-request.ts";

const DIALECT = "OpenAI Chat Completions";

/** Set to anything but null, these change the answer in ways no other provider's API can be asked for. */
const UNTRANSLATABLE_FIELDS = [
  "audio",
  "modalities",
  "logprobs",
  "top_logprobs",
  "logit_bias",
  "presence_penalty",
  "frequency_penalty",
  "seed",
  "prediction",
  "web_search_options",
  "functions",
  "function_call",
  "verbosity",
  "moderation",
  // Z.ai's own settings.
  "do_sample",
  "watermark_enabled",
  "sensitive_word_check",
  "meta",
] as const;

/** Fields of the API (OpenAI's, Z.ai's and Moonshot's) this translation reads, refuses or may ignore. */
const KNOWN_FIELDS: ReadonlySet<string> = new Set([
  ...UNTRANSLATABLE_FIELDS,
  "model",
  "messages",
  "max_tokens",
  "max_completion_tokens",
  "temperature",
  "top_p",
  "stop",
  "n",
  "stream",
  "stream_options",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "response_format",
  "reasoning_effort",
  "thinking",
  // Bookkeeping and caching hints that do not change the answer: no other provider needs them.
  "metadata",
  "store",
  "user",
  "safety_identifier",
  "service_tier",
  "prompt_cache_key",
  "prompt_cache_options",
  "prompt_cache_retention",
  "request_id",
  "user_id",
  // Z.ai: stream tool-call arguments as they come, which a translated stream does anyway.
  "tool_stream",
]);

/** What OpenAI's API calls the fields other dialects' clients send by mistake. */
const HINTS = {
  system: "the system prompt is a message with role system",
  max_output_tokens: "use max_completion_tokens",
  stop_sequences: "use stop",
};

/** Throws AppError("usage") for a malformed body or a feature another provider cannot be given. */
export function parseOpenAiRequest(body: unknown): TranslatedRequest {
  const wire = parseBody(openAiChatRequestSchema, body);
  refuseUnknownFields(wire, KNOWN_FIELDS, DIALECT, HINTS);
  refuseUntranslatableFields(wire);
  const systems: string[] = [];
  const messages: ChatMessage[] = [];
  const toolNames = new Map<string, string>();
  for (const [index, message] of wire.messages.entries()) {
    const where = `messages.${index}`;
    if (message.role === "system" || message.role === "developer") {
      // Instructions anywhere in the conversation join the system prompt, in order.
      systems.push(textOf(message.content, `${where}.content`));
    } else if (message.role === "user") {
      messages.push({ role: "user", content: userTurn(message.content, `${where}.content`) });
    } else if (message.role === "assistant") {
      messages.push(assistantMessage(message, toolNames, where));
    } else {
      const name = toolNames.get(message.tool_call_id);
      if (name === undefined) {
        throw untranslatable(`${where} (tool message for a tool call not in the conversation)`, DIALECT);
      }
      messages.push({
        role: "tool",
        toolCallId: message.tool_call_id,
        name,
        content: textOf(message.content, `${where}.content`),
      });
    }
  }
  requireTurns(
    messages,
    "messages",
    "no user, assistant or tool message to answer (system messages are instructions)",
  );
  const maxOutputTokens = wire.max_completion_tokens ?? wire.max_tokens ?? undefined;
  const thinking = thinkingOf(wire);
  const chat: ChatRequest = {
    model: wire.model,
    messages,
    ...(systems.length === 0 ? {} : { system: systems.join("\n\n") }),
    ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
    ...(wire.temperature == null ? {} : { temperature: wire.temperature }),
    ...(wire.top_p == null ? {} : { topP: wire.top_p }),
    ...(wire.stop == null ? {} : { stopSequences: typeof wire.stop === "string" ? [wire.stop] : wire.stop }),
    ...(thinking === undefined ? {} : { thinking }),
    ...(wire.tools === undefined ? {} : { tools: tools(wire.tools) }),
    ...(wire.tool_choice === undefined ? {} : { toolChoice: toolChoice(wire.tool_choice) }),
  };
  return {
    chat,
    stream: wire.stream === true,
    streamFraming: "sse",
    includeUsage: wire.stream_options?.include_usage === true,
    omitReasoning: false,
  };
}

function refuseUntranslatableFields(wire: OpenAiChatRequest): void {
  for (const field of UNTRANSLATABLE_FIELDS) {
    const value = wire[field];
    if (value !== undefined && value !== null && value !== false) throw untranslatable(field, DIALECT);
  }
  if (wire.n != null && wire.n !== 1) throw untranslatable("n greater than 1", DIALECT);
  if (wire.parallel_tool_calls === false) throw untranslatable("parallel_tool_calls: false", DIALECT);
  if (wire.response_format !== undefined && wire.response_format.type !== "text") {
    throw untranslatable(`response_format ${wire.response_format.type}`, DIALECT);
  }
}

function thinkingOf(wire: OpenAiChatRequest): boolean | undefined {
  if (wire.thinking !== undefined) return wire.thinking.type === "enabled";
  if (wire.reasoning_effort == null) return undefined;
  return wire.reasoning_effort !== "none" && wire.reasoning_effort !== "minimal";
}

type TextContent = Extract<OpenAiMessageParam, { role: "system" }>["content"];

function textOf(content: TextContent, where: string): string {
  if (typeof content === "string") return content;
  return content
    .map((part, index) => {
      if (part.type === "text") return part.text;
      throw untranslatable(`${where}.${index} (part type ${part.type})`, DIALECT);
    })
    .join("\n\n");
}

function userTurn(content: string | readonly OpenAiUserPart[], where: string): ChatMessage["content"] {
  if (typeof content === "string") return content;
  const parts = content.map((part, index): ChatContentPart => {
    const at = `${where}.${index}`;
    if (!isKnownOpenAiUserPart(part)) throw untranslatable(`${at} (part type ${part.type})`, DIALECT);
    if (part.type === "text") return { type: "text", text: part.text };
    if (part.type === "image_url") {
      const inline = fromDataUrl(part.image_url.url);
      // Fetching a URL on the client's behalf is not the hub's to do.
      if (inline === undefined) throw untranslatable(`${at}.image_url.url (image given by URL)`, DIALECT);
      return { type: "inline-data", ...inline };
    }
    const inline = part.file.file_data === undefined ? undefined : fromDataUrl(part.file.file_data);
    if (inline === undefined) throw untranslatable(`${at}.file (file given by id)`, DIALECT);
    return {
      type: "inline-data",
      ...inline,
      ...(part.file.filename === undefined ? {} : { filename: part.file.filename }),
    };
  });
  return userContent(parts);
}

function fromDataUrl(url: string): { mimeType: string; data: Uint8Array } | undefined {
  const match = /^data:([^;,]+)(?:;[^,]*)?;base64,(.*)$/s.exec(url);
  if (!match) return undefined;
  return { mimeType: match[1] ?? "application/octet-stream", data: Buffer.from(match[2] ?? "", "base64") };
}

function assistantMessage(
  message: Extract<OpenAiMessageParam, { role: "assistant" }>,
  toolNames: Map<string, string>,
  where: string,
): ChatMessage {
  const toolCalls = (message.tool_calls ?? []).map((call) => {
    toolNames.set(call.id, call.function.name);
    return { id: call.id, name: call.function.name, arguments: call.function.arguments };
  });
  const content =
    message.content == null
      ? ""
      : typeof message.content === "string"
        ? message.content
        : message.content
            .map((part, index) => {
              if (part.type === "text") return part.text;
              if (part.type === "refusal") return part.refusal;
              throw untranslatable(`${where}.content.${index}`, DIALECT);
            })
            .join("");
  return {
    role: "assistant",
    content,
    ...(message.reasoning_content ? { reasoning: message.reasoning_content } : {}),
    ...(toolCalls.length === 0 ? {} : { toolCalls }),
  };
}

function tools(wireTools: NonNullable<OpenAiChatRequest["tools"]>): ChatTool[] {
  return wireTools.map((tool, index) => {
    if (!isOpenAiFunctionTool(tool)) throw untranslatable(`tools.${index} (tool type ${tool.type})`, DIALECT);
    const { name, description, parameters } = tool.function;
    return {
      name,
      ...(description === undefined ? {} : { description }),
      parameters: parameters ?? { type: "object", properties: {} },
    };
  });
}

function toolChoice(choice: NonNullable<OpenAiChatRequest["tool_choice"]>): ChatToolChoice {
  return typeof choice === "string" ? choice : { name: choice.function.name };
}
