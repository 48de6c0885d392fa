// A Gemini generateContent request body as a chat request, for a target that speaks another API.
// The model comes from the URL (`/v1beta/models/{model}:generateContent`), not the body. What the
// chat vocabulary cannot carry is refused with a 400 naming the field (docs/translation.md).
import type {
  ChatContentPart,
  ChatMessage,
  ChatRequest,
  ChatTool,
  ChatToolCall,
  ChatToolChoice,
} from "../../providers/chat.ts";
import {
  type GeminiContent,
  type GeminiGenerateContentRequest,
  geminiGenerateContentRequestSchema,
} from "../../wire/gemini-generate-content.ts";
import { parseBody, refuseUnknownFields, requireTurns, untranslatable } from "./request-errors.ts";
import { type TranslatedRequest, userContent } from "./translated-request.ts";

const DIALECT = "Gemini generateContent";

/** Settings of generationConfig with no counterpart in the chat vocabulary. */
const UNTRANSLATABLE_SETTINGS = [
  "seed",
  "presencePenalty",
  "frequencyPenalty",
  "responseLogprobs",
  "logprobs",
  "responseModalities",
  "speechConfig",
  "mediaResolution",
  "responseSchema",
  "responseJsonSchema",
] as const;

/** Fields of generateContent this translation reads, refuses or may ignore. */
const KNOWN_FIELDS: ReadonlySet<string> = new Set([
  "model",
  "contents",
  "systemInstruction",
  "generationConfig",
  "tools",
  "toolConfig",
  "cachedContent",
  // Google's own content filter thresholds: other providers filter by their own rules.
  "safetySettings",
]);

/** What generateContent calls the fields other dialects' clients send by mistake. */
const HINTS = {
  messages: "the conversation is contents",
  system: "use systemInstruction",
  max_tokens: "use generationConfig.maxOutputTokens",
};

/** Gemini names the model and whether to stream in the URL, not the body. */
export interface GeminiCall {
  model: string;
  stream: boolean;
  /** `alt=sse` on a streamed call; without it the answer is one JSON array. Default true. */
  sse?: boolean;
}

/** Throws AppError("usage") for a malformed body or a feature another provider cannot be given. */
export function parseGeminiRequest(body: unknown, call: GeminiCall): TranslatedRequest {
  const wire = parseBody(geminiGenerateContentRequestSchema, camelCased(body));
  refuseUnknownFields(wire, KNOWN_FIELDS, DIALECT, HINTS);
  refuseUntranslatableFields(wire);
  const calls = new ToolCallIds();
  const messages = wire.contents.flatMap((content, index) => messagesOf(content, `contents.${index}`, calls));
  requireTurns(messages, "contents", "no part to answer");
  const config = wire.generationConfig;
  const thinking = config?.thinkingConfig;
  const system =
    wire.systemInstruction === undefined
      ? undefined
      : systemText(wire.systemInstruction, "systemInstruction");
  const chat: ChatRequest = {
    model: call.model.replace(/^models\//, ""),
    messages,
    ...(system === undefined ? {} : { system }),
    ...(config?.maxOutputTokens === undefined ? {} : { maxOutputTokens: config.maxOutputTokens }),
    ...(config?.temperature === undefined ? {} : { temperature: config.temperature }),
    ...(config?.topP === undefined ? {} : { topP: config.topP }),
    ...(config?.topK === undefined ? {} : { topK: config.topK }),
    ...(config?.stopSequences === undefined ? {} : { stopSequences: config.stopSequences }),
    ...(thinking === undefined
      ? {}
      : thinking.includeThoughts === true
        ? { thinking: true }
        : thinking.thinkingBudget === 0
          ? { thinking: false }
          : {}),
    ...(wire.tools === undefined ? {} : { tools: tools(wire.tools) }),
    ...toolChoice(wire.toolConfig),
  };
  return {
    chat,
    stream: call.stream,
    streamFraming: call.sse === false ? "json-array" : "sse",
    includeUsage: false,
    omitReasoning: false,
  };
}

/**
 * The body with Gemini's snake_case spellings (`system_instruction`, `generation_config.max_output_tokens`),
 * which the API takes as well as camelCase, in camelCase: at the top and in the generation settings,
 * whose keys are all Gemini's own (deeper down, keys such as a tool's parameters are the client's).
 */
function camelCased(body: unknown): unknown {
  if (!isRecord(body)) return body;
  const top = camelKeys(body);
  const config = top.generationConfig;
  if (!isRecord(config)) return top;
  const settings = camelKeys(config);
  if (isRecord(settings.thinkingConfig)) settings.thinkingConfig = camelKeys(settings.thinkingConfig);
  return { ...top, generationConfig: settings };
}

function camelKeys(record: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const converted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    converted[key.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase())] = value;
  }
  return converted;
}

function refuseUntranslatableFields(wire: GeminiGenerateContentRequest): void {
  if (wire.cachedContent !== undefined) throw untranslatable("cachedContent", DIALECT);
  const config = wire.generationConfig;
  if (config === undefined) return;
  for (const setting of UNTRANSLATABLE_SETTINGS) {
    if (config[setting] !== undefined) throw untranslatable(`generationConfig.${setting}`, DIALECT);
  }
  if (config.candidateCount !== undefined && config.candidateCount !== 1) {
    throw untranslatable("generationConfig.candidateCount greater than 1", DIALECT);
  }
  if (config.responseMimeType !== undefined && config.responseMimeType !== "text/plain") {
    throw untranslatable(`generationConfig.responseMimeType ${config.responseMimeType}`, DIALECT);
  }
}

function systemText(content: GeminiContent, where: string): string {
  return content.parts
    .map((part, index) => {
      if (part.text === undefined)
        throw untranslatable(`${where}.parts.${index} (a part that is not text)`, DIALECT);
      return part.text;
    })
    .join("\n\n");
}

/**
 * Gemini matches a functionResponse to its functionCall by name (and by id when the model gave one);
 * the chat vocabulary needs an id on both, so calls without one get `call_<n>` and each response
 * takes the oldest unanswered call of its name.
 */
class ToolCallIds {
  #count = 0;
  readonly #unanswered: ChatToolCall[] = [];

  call(id: string | undefined, name: string, args: unknown): ChatToolCall {
    const call = { id: id ?? `call_${this.#count}`, name, arguments: JSON.stringify(args ?? {}) };
    this.#count += 1;
    this.#unanswered.push(call);
    return call;
  }

  answer(id: string | undefined, name: string): ChatToolCall | undefined {
    const position = this.#unanswered.findIndex((call) =>
      id === undefined ? call.name === name : call.id === id,
    );
    if (position < 0) return undefined;
    return this.#unanswered.splice(position, 1)[0];
  }
}

function messagesOf(content: GeminiContent, where: string, calls: ToolCallIds): ChatMessage[] {
  if (content.role === "model") {
    let text = "";
    let reasoning = "";
    const toolCalls: ChatToolCall[] = [];
    for (const [index, part] of content.parts.entries()) {
      if (part.functionCall) {
        toolCalls.push(calls.call(part.functionCall.id, part.functionCall.name, part.functionCall.args));
      } else if (part.text !== undefined) {
        if (part.thought === true) reasoning += part.text;
        else text += part.text;
      } else if (part.thoughtSignature === undefined) {
        throw untranslatable(`${where}.parts.${index} (part type ${partKind(part)} from the model)`, DIALECT);
      }
    }
    return [
      {
        role: "assistant",
        content: text,
        ...(reasoning === "" ? {} : { reasoning }),
        ...(toolCalls.length === 0 ? {} : { toolCalls }),
      },
    ];
  }
  const results: ChatMessage[] = [];
  const parts: ChatContentPart[] = [];
  for (const [index, part] of content.parts.entries()) {
    const at = `${where}.parts.${index}`;
    if (part.functionResponse) {
      const { id, name, response } = part.functionResponse;
      const call = calls.answer(id, name);
      if (call === undefined)
        throw untranslatable(`${at} (a functionResponse with no functionCall before it)`, DIALECT);
      const failed = Object.keys(response).length === 1 && "error" in response;
      results.push({
        role: "tool",
        toolCallId: call.id,
        name,
        content: toolResultText(failed ? response.error : (response.output ?? response)),
        ...(failed ? { isError: true } : {}),
      });
    } else if (part.text !== undefined) {
      if (part.thought !== true) parts.push({ type: "text", text: part.text });
    } else if (part.inlineData) {
      parts.push({
        type: "inline-data",
        mimeType: part.inlineData.mimeType,
        data: Buffer.from(part.inlineData.data, "base64"),
      });
    } else {
      // fileData URIs point into Gemini's own Files API, which no other provider can read.
      throw untranslatable(`${at} (part type ${partKind(part)})`, DIALECT);
    }
  }
  if (parts.length === 0) return results;
  return [...results, { role: "user", content: userContent(parts) }];
}

function toolResultText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function partKind(part: Record<string, unknown>): string {
  return Object.keys(part).find((key) => part[key] !== undefined && key !== "thought") ?? "empty";
}

function tools(wireTools: NonNullable<GeminiGenerateContentRequest["tools"]>): ChatTool[] {
  return wireTools.flatMap((tool, index) => {
    const other = Object.keys(tool).find((key) => key !== "functionDeclarations" && tool[key] !== undefined);
    if (other !== undefined) throw untranslatable(`tools.${index}.${other}`, DIALECT);
    return (tool.functionDeclarations ?? []).map((declaration) => ({
      name: declaration.name,
      ...(declaration.description === undefined ? {} : { description: declaration.description }),
      parameters:
        declaration.parametersJsonSchema ?? jsonSchemaOf(declaration.parameters ?? { type: "object" }),
    }));
  });
}

/** Gemini's OpenAPI-style schemas spell types in capitals (`OBJECT`); JSON Schema wants them lower-case. */
function jsonSchemaOf(schema: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const converted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    // A property named `type` holds a schema (an object), never a string, so only real types change.
    if (key === "type" && typeof value === "string") converted[key] = value.toLowerCase();
    else if (isRecord(value)) converted[key] = jsonSchemaOf(value);
    else if (Array.isArray(value))
      converted[key] = value.map((item) => (isRecord(item) ? jsonSchemaOf(item) : item));
    else converted[key] = value;
  }
  return converted;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function toolChoice(config: GeminiGenerateContentRequest["toolConfig"]): { toolChoice?: ChatToolChoice } {
  const calling = config?.functionCallingConfig;
  if (!isRecord(calling)) return {};
  const allowed = Array.isArray(calling.allowedFunctionNames) ? calling.allowedFunctionNames : [];
  if (calling.mode === "NONE") return { toolChoice: "none" };
  if (calling.mode === "ANY") {
    if (allowed.length === 0) return { toolChoice: "required" };
    const [name] = allowed;
    if (allowed.length === 1 && typeof name === "string") return { toolChoice: { name } };
    throw untranslatable("toolConfig.functionCallingConfig.allowedFunctionNames with several names", DIALECT);
  }
  return calling.mode === "AUTO" ? { toolChoice: "auto" } : {};
}
