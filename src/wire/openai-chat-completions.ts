// OpenAI Chat Completions on the wire (POST /chat/completions): request body, completion, and the
// `chat.completion.chunk` events of a stream. Z.ai and Moonshot speak it with extensions
// (`reasoning_content`, `thinking`, usage inside the last choice), which are part of these shapes.
import { z } from "zod";
import { knownTypeGuard, unknownType } from "./open-union.ts";

export const openAiTextPartSchema = z.looseObject({ type: z.literal("text"), text: z.string() });

export const openAiImagePartSchema = z.looseObject({
  type: z.literal("image_url"),
  image_url: z.looseObject({ url: z.string(), detail: z.string().optional() }),
});

export const openAiFilePartSchema = z.looseObject({
  type: z.literal("file"),
  file: z.looseObject({
    file_data: z.string().optional(),
    file_id: z.string().optional(),
    filename: z.string().optional(),
  }),
});

export const OPENAI_USER_PART_TYPES = ["text", "image_url", "file"] as const;

const knownUserPartSchema = z.discriminatedUnion("type", [
  openAiTextPartSchema,
  openAiImagePartSchema,
  openAiFilePartSchema,
]);
export type OpenAiKnownUserPart = z.infer<typeof knownUserPartSchema>;

/** A part of a user message; others (`input_audio`, Moonshot's `video_url`) pass through. */
export const openAiUserPartSchema = z.union([knownUserPartSchema, unknownType(OPENAI_USER_PART_TYPES)]);
export type OpenAiUserPart = z.infer<typeof openAiUserPartSchema>;

export const isKnownOpenAiUserPart = knownTypeGuard<OpenAiKnownUserPart>(OPENAI_USER_PART_TYPES);

/** System, developer and tool messages and assistant history take text, as a string or text parts. */
const textContent = z.union([
  z.string(),
  z.array(
    z.union([openAiTextPartSchema, z.looseObject({ type: z.literal("refusal"), refusal: z.string() })]),
  ),
]);

export const openAiToolCallSchema = z.looseObject({
  id: z.string(),
  type: z.literal("function").optional(),
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
});
export type OpenAiToolCall = z.infer<typeof openAiToolCallSchema>;

export const openAiMessageParamSchema = z.discriminatedUnion("role", [
  z.looseObject({ role: z.literal("system"), content: textContent, name: z.string().optional() }),
  z.looseObject({ role: z.literal("developer"), content: textContent, name: z.string().optional() }),
  z.looseObject({
    role: z.literal("user"),
    content: z.union([z.string(), z.array(openAiUserPartSchema)]),
    name: z.string().optional(),
  }),
  z.looseObject({
    role: z.literal("assistant"),
    content: textContent.nullish(),
    reasoning_content: z.string().nullish(),
    tool_calls: z.array(openAiToolCallSchema).nullish(),
    name: z.string().optional(),
  }),
  z.looseObject({
    role: z.literal("tool"),
    tool_call_id: z.string(),
    content: textContent,
    name: z.string().optional(),
  }),
]);
export type OpenAiMessageParam = z.infer<typeof openAiMessageParamSchema>;

export const openAiFunctionToolSchema = z.looseObject({
  type: z.literal("function"),
  function: z.looseObject({
    name: z.string().min(1),
    description: z.string().optional(),
    parameters: z.looseObject({}).optional(),
    strict: z.boolean().nullish(),
  }),
});
export const openAiToolSchema = z.union([openAiFunctionToolSchema, unknownType(["function"])]);
export const isOpenAiFunctionTool = knownTypeGuard<z.infer<typeof openAiFunctionToolSchema>>(["function"]);
export type OpenAiTool = z.infer<typeof openAiToolSchema>;

export const openAiToolChoiceSchema = z.union([
  z.enum(["none", "auto", "required"]),
  z.looseObject({ type: z.literal("function"), function: z.looseObject({ name: z.string() }) }),
]);

export const openAiChatRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(openAiMessageParamSchema).min(1),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().nullish(),
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
  n: z.number().int().positive().nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  tools: z.array(openAiToolSchema).optional(),
  tool_choice: openAiToolChoiceSchema.optional(),
  parallel_tool_calls: z.boolean().optional(),
  response_format: z.looseObject({ type: z.string() }).optional(),
  reasoning_effort: z.string().nullish(),
  /** Z.ai and Moonshot: switch the model's reasoning on or off. */
  thinking: z.looseObject({ type: z.enum(["enabled", "disabled"]) }).optional(),
});
export type OpenAiChatRequest = z.infer<typeof openAiChatRequestSchema>;

export const openAiUsageSchema = z.looseObject({
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  total_tokens: z.number().optional(),
  /** Moonshot reports cached input here rather than in prompt_tokens_details. */
  cached_tokens: z.number().optional(),
  prompt_tokens_details: z.looseObject({ cached_tokens: z.number().optional() }).nullish(),
  completion_tokens_details: z.looseObject({ reasoning_tokens: z.number().optional() }).nullish(),
});
export type OpenAiUsage = z.infer<typeof openAiUsageSchema>;

export const OPENAI_FINISH_REASONS = ["stop", "length", "tool_calls", "content_filter"] as const;
export type OpenAiFinishReason = (typeof OPENAI_FINISH_REASONS)[number];

export const openAiCompletionSchema = z.looseObject({
  id: z.string().optional(),
  object: z.string().optional(),
  created: z.number().optional(),
  model: z.string().optional(),
  choices: z
    .array(
      z.looseObject({
        index: z.number().optional(),
        message: z.looseObject({
          role: z.string().optional(),
          content: z.string().nullish(),
          reasoning_content: z.string().nullish(),
          tool_calls: z.array(openAiToolCallSchema).nullish(),
          refusal: z.string().nullish(),
        }),
        finish_reason: z.string().nullish(),
        // Moonshot may put usage inside the choice.
        usage: openAiUsageSchema.nullish(),
      }),
    )
    .min(1),
  usage: openAiUsageSchema.nullish(),
});
export type OpenAiCompletion = z.infer<typeof openAiCompletionSchema>;

export const openAiToolCallDeltaSchema = z.looseObject({
  // Moonshot sometimes leaves the index out or sends null.
  index: z.number().nullish(),
  id: z.string().nullish(),
  type: z.literal("function").nullish(),
  function: z.looseObject({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
});

export const openAiChunkSchema = z.looseObject({
  id: z.string().optional(),
  object: z.string().optional(),
  created: z.number().optional(),
  model: z.string().optional(),
  choices: z
    .array(
      z.looseObject({
        index: z.number().optional(),
        delta: z
          .looseObject({
            role: z.string().nullish(),
            content: z.string().nullish(),
            reasoning_content: z.string().nullish(),
            tool_calls: z.array(openAiToolCallDeltaSchema).nullish(),
            refusal: z.string().nullish(),
          })
          .nullish(),
        finish_reason: z.string().nullish(),
        // Moonshot puts the stream's usage here, inside the last choice.
        usage: openAiUsageSchema.nullish(),
      }),
    )
    .nullish(),
  usage: openAiUsageSchema.nullish(),
});
export type OpenAiChunk = z.infer<typeof openAiChunkSchema>;

/** `{"error":{"message","type","param","code"}}`, also sent as a stream event by Moonshot. */
export const openAiErrorEnvelopeSchema = z.looseObject({
  error: z.looseObject({
    message: z.string().optional(),
    type: z.string().optional(),
    param: z.string().nullish(),
    code: z.union([z.string(), z.number()]).nullish(),
  }),
});
export type OpenAiErrorEnvelope = z.infer<typeof openAiErrorEnvelopeSchema>;
