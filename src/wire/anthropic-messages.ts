// The Anthropic Messages API on the wire (POST /v1/messages): request body, response, and the SSE
// events of a streamed answer. Anthropic, the Anthropic endpoints of Z.ai and Moonshot, their
// simulators and the hub's gateway all read and write these shapes. Unknown fields pass through.
import { z } from "zod";
import { knownTypeGuard, unknownType } from "./open-union.ts";

const cacheControl = z.looseObject({ type: z.string() }).nullish();

export const anthropicTextBlockSchema = z.looseObject({
  type: z.literal("text"),
  text: z.string(),
  cache_control: cacheControl,
});

/** Where an image's or document's bytes are: inline base64, plain text, a URL, or an uploaded file. */
export const anthropicSourceSchema = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("base64"), media_type: z.string(), data: z.string() }),
  z.looseObject({ type: z.literal("text"), media_type: z.string().optional(), data: z.string() }),
  z.looseObject({ type: z.literal("url"), url: z.string() }),
  z.looseObject({ type: z.literal("file"), file_id: z.string() }),
  z.looseObject({ type: z.literal("content"), content: z.unknown() }),
]);

export const anthropicImageBlockSchema = z.looseObject({
  type: z.literal("image"),
  source: anthropicSourceSchema,
  cache_control: cacheControl,
});

export const anthropicDocumentBlockSchema = z.looseObject({
  type: z.literal("document"),
  source: anthropicSourceSchema,
  title: z.string().nullish(),
  context: z.string().nullish(),
  cache_control: cacheControl,
});

export const anthropicToolUseBlockSchema = z.looseObject({
  type: z.literal("tool_use"),
  id: z.string(),
  name: z.string(),
  input: z.unknown(),
  cache_control: cacheControl,
});

const TOOL_RESULT_CONTENT_TYPES = ["text", "image", "document"];
export const anthropicToolResultBlockSchema = z.looseObject({
  type: z.literal("tool_result"),
  tool_use_id: z.string(),
  content: z
    .union([
      z.string(),
      z.array(
        z.union([
          z.discriminatedUnion("type", [
            anthropicTextBlockSchema,
            anthropicImageBlockSchema,
            anthropicDocumentBlockSchema,
          ]),
          unknownType(TOOL_RESULT_CONTENT_TYPES),
        ]),
      ),
    ])
    .optional(),
  is_error: z.boolean().optional(),
  cache_control: cacheControl,
});

export const anthropicThinkingBlockSchema = z.looseObject({
  type: z.literal("thinking"),
  thinking: z.string(),
  signature: z.string().optional(),
});

export const anthropicRedactedThinkingBlockSchema = z.looseObject({
  type: z.literal("redacted_thinking"),
  data: z.string(),
});

export const ANTHROPIC_REQUEST_BLOCK_TYPES = [
  "text",
  "image",
  "document",
  "tool_use",
  "tool_result",
  "thinking",
  "redacted_thinking",
] as const;

const knownRequestBlockSchema = z.discriminatedUnion("type", [
  anthropicTextBlockSchema,
  anthropicImageBlockSchema,
  anthropicDocumentBlockSchema,
  anthropicToolUseBlockSchema,
  anthropicToolResultBlockSchema,
  anthropicThinkingBlockSchema,
  anthropicRedactedThinkingBlockSchema,
]);
export type AnthropicKnownRequestBlock = z.infer<typeof knownRequestBlockSchema>;

/** A content block of a request; block types this code does not know (server tools, search results) pass. */
export const anthropicRequestBlockSchema = z.union([
  knownRequestBlockSchema,
  unknownType(ANTHROPIC_REQUEST_BLOCK_TYPES),
]);
export type AnthropicRequestBlock = z.infer<typeof anthropicRequestBlockSchema>;

export const isKnownAnthropicRequestBlock = knownTypeGuard<AnthropicKnownRequestBlock>(
  ANTHROPIC_REQUEST_BLOCK_TYPES,
);

export const anthropicMessageParamSchema = z.looseObject({
  // Claude Code 2.1 also sends mid-conversation `system` messages.
  role: z.enum(["user", "assistant", "system"]),
  content: z.union([z.string(), z.array(anthropicRequestBlockSchema)]),
});
export type AnthropicMessageParam = z.infer<typeof anthropicMessageParamSchema>;

/** A tool the model may call: a custom one with a JSON Schema, or a server tool named by its `type`. */
export const anthropicCustomToolSchema = z.looseObject({
  type: z.literal("custom").optional(),
  name: z.string().min(1),
  description: z.string().optional(),
  input_schema: z.looseObject({}),
  /** Hidden from the model until a tool search finds it. */
  defer_loading: z.boolean().optional(),
  cache_control: cacheControl,
});
export const anthropicToolSchema = z.union([
  anthropicCustomToolSchema,
  z.looseObject({ type: z.string(), name: z.string() }),
]);
export type AnthropicTool = z.infer<typeof anthropicToolSchema>;

export const anthropicToolChoiceSchema = z.looseObject({
  type: z.enum(["auto", "any", "tool", "none"]),
  name: z.string().optional(),
  disable_parallel_tool_use: z.boolean().optional(),
});
export type AnthropicToolChoice = z.infer<typeof anthropicToolChoiceSchema>;

/** `enabled` with a budget, `adaptive` (the model decides), or `disabled`. */
export const anthropicThinkingConfigSchema = z.looseObject({
  type: z.string(),
  budget_tokens: z.number().int().optional(),
  /** `omitted`: think, but send the thinking blocks without their text. */
  display: z.string().optional(),
});

const requestFields = {
  model: z.string().min(1),
  messages: z.array(anthropicMessageParamSchema).min(1),
  system: z.union([z.string(), z.array(anthropicRequestBlockSchema)]).optional(),
  tools: z.array(anthropicToolSchema).optional(),
  tool_choice: anthropicToolChoiceSchema.optional(),
  thinking: anthropicThinkingConfigSchema.optional(),
  output_config: z.looseObject({ effort: z.string().optional() }).optional(),
  context_management: z
    .looseObject({ edits: z.array(z.looseObject({ type: z.string() })).optional() })
    .optional(),
};

export const anthropicMessagesRequestSchema = z.looseObject({
  ...requestFields,
  max_tokens: z.number().int().positive(),
  stream: z.boolean().optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().optional(),
  top_k: z.number().int().optional(),
  stop_sequences: z.array(z.string()).optional(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).optional(),
});
export type AnthropicMessagesRequest = z.infer<typeof anthropicMessagesRequestSchema>;

/** POST /v1/messages/count_tokens: the request without the generation settings. */
export const anthropicCountTokensRequestSchema = z.looseObject(requestFields);
export type AnthropicCountTokensRequest = z.infer<typeof anthropicCountTokensRequestSchema>;

export const anthropicUsageSchema = z.looseObject({
  input_tokens: z.number().optional(),
  output_tokens: z.number().optional(),
  cache_read_input_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
});
export type AnthropicUsage = z.infer<typeof anthropicUsageSchema>;

export const ANTHROPIC_RESPONSE_BLOCK_TYPES = ["text", "thinking", "redacted_thinking", "tool_use"] as const;

const knownResponseBlockSchema = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("text"), text: z.string() }),
  z.looseObject({ type: z.literal("thinking"), thinking: z.string(), signature: z.string().optional() }),
  anthropicRedactedThinkingBlockSchema,
  z.looseObject({ type: z.literal("tool_use"), id: z.string(), name: z.string(), input: z.unknown() }),
]);
export type AnthropicResponseBlock = z.infer<typeof knownResponseBlockSchema>;

/** A block of an answer; server-tool blocks and newer types pass through for readers to skip. */
export const anthropicResponseBlockSchema = z.union([
  knownResponseBlockSchema,
  unknownType(ANTHROPIC_RESPONSE_BLOCK_TYPES),
]);
export const isKnownAnthropicResponseBlock = knownTypeGuard<AnthropicResponseBlock>(
  ANTHROPIC_RESPONSE_BLOCK_TYPES,
);

export const ANTHROPIC_STOP_REASONS = [
  "end_turn",
  "max_tokens",
  "stop_sequence",
  "tool_use",
  "pause_turn",
  "refusal",
  "model_context_window_exceeded",
] as const;
export type AnthropicStopReason = (typeof ANTHROPIC_STOP_REASONS)[number];

/** The answer of a non-streamed call; also `message_start`'s message, with `content` empty. */
export const anthropicMessageSchema = z.looseObject({
  id: z.string().optional(),
  type: z.literal("message").optional(),
  role: z.literal("assistant").optional(),
  model: z.string().optional(),
  content: z.array(anthropicResponseBlockSchema),
  stop_reason: z.string().nullish(),
  stop_sequence: z.string().nullish(),
  usage: anthropicUsageSchema.optional(),
});
export type AnthropicMessage = z.infer<typeof anthropicMessageSchema>;

export const ANTHROPIC_DELTA_TYPES = [
  "text_delta",
  "input_json_delta",
  "thinking_delta",
  "signature_delta",
] as const;

const knownDeltaSchema = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("text_delta"), text: z.string() }),
  z.looseObject({ type: z.literal("input_json_delta"), partial_json: z.string() }),
  z.looseObject({ type: z.literal("thinking_delta"), thinking: z.string() }),
  z.looseObject({ type: z.literal("signature_delta"), signature: z.string() }),
]);
export type AnthropicDelta = z.infer<typeof knownDeltaSchema>;

export const anthropicDeltaSchema = z.union([knownDeltaSchema, unknownType(ANTHROPIC_DELTA_TYPES)]);
export const isKnownAnthropicDelta = knownTypeGuard<AnthropicDelta>(ANTHROPIC_DELTA_TYPES);

export const anthropicErrorBodySchema = z.looseObject({
  type: z.string(),
  message: z.string().optional(),
});

/** One SSE event of a streamed answer; the event name equals `type`. */
export const anthropicStreamEventSchema = z.discriminatedUnion("type", [
  z.looseObject({
    type: z.literal("message_start"),
    message: anthropicMessageSchema.partial({ content: true }),
  }),
  z.looseObject({
    type: z.literal("content_block_start"),
    index: z.number(),
    content_block: anthropicResponseBlockSchema,
  }),
  z.looseObject({ type: z.literal("content_block_delta"), index: z.number(), delta: anthropicDeltaSchema }),
  z.looseObject({ type: z.literal("content_block_stop"), index: z.number() }),
  z.looseObject({
    type: z.literal("message_delta"),
    delta: z.looseObject({ stop_reason: z.string().nullish(), stop_sequence: z.string().nullish() }),
    usage: anthropicUsageSchema.optional(),
  }),
  z.looseObject({ type: z.literal("message_stop") }),
  z.looseObject({ type: z.literal("ping") }),
  z.looseObject({ type: z.literal("error"), error: anthropicErrorBodySchema }),
]);
export type AnthropicStreamEvent = z.infer<typeof anthropicStreamEventSchema>;

/** `{"type":"error","error":{"type","message"},"request_id"}`: error responses and in-stream error events. */
export const anthropicErrorEnvelopeSchema = z.looseObject({
  type: z.literal("error").optional(),
  error: anthropicErrorBodySchema,
  request_id: z.string().optional(),
});
export type AnthropicErrorEnvelope = z.infer<typeof anthropicErrorEnvelopeSchema>;
