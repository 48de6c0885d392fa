// Gemini generateContent on the wire (POST /v1beta/models/{model}:generateContent, and
// :streamGenerateContent?alt=sse where every SSE event is a whole response chunk and nothing marks
// the end): request body, response, error envelope. A part holds exactly one kind of data.
import { z } from "zod";

export const geminiPartSchema = z.looseObject({
  text: z.string().optional(),
  /** Marks a text part as the model's reasoning. */
  thought: z.boolean().optional(),
  thoughtSignature: z.string().optional(),
  inlineData: z.looseObject({ mimeType: z.string(), data: z.string() }).optional(),
  fileData: z.looseObject({ mimeType: z.string().optional(), fileUri: z.string() }).optional(),
  functionCall: z
    .looseObject({ id: z.string().optional(), name: z.string(), args: z.looseObject({}).optional() })
    .optional(),
  functionResponse: z
    .looseObject({ id: z.string().optional(), name: z.string(), response: z.looseObject({}) })
    .optional(),
  executableCode: z.looseObject({}).optional(),
  codeExecutionResult: z.looseObject({}).optional(),
});
export type GeminiPart = z.infer<typeof geminiPartSchema>;

export const geminiContentSchema = z.looseObject({
  role: z.string().optional(),
  parts: z.array(geminiPartSchema),
});
export type GeminiContent = z.infer<typeof geminiContentSchema>;

export const geminiFunctionDeclarationSchema = z.looseObject({
  name: z.string().min(1),
  description: z.string().optional(),
  /** An OpenAPI-style schema (upper-case types allowed). */
  parameters: z.looseObject({}).optional(),
  /** A plain JSON Schema, the alternative to `parameters`. */
  parametersJsonSchema: z.looseObject({}).optional(),
});

export const geminiToolSchema = z.looseObject({
  functionDeclarations: z.array(geminiFunctionDeclarationSchema).optional(),
  googleSearch: z.looseObject({}).optional(),
  codeExecution: z.looseObject({}).optional(),
  urlContext: z.looseObject({}).optional(),
});
export type GeminiTool = z.infer<typeof geminiToolSchema>;

export const geminiGenerationConfigSchema = z.looseObject({
  temperature: z.number().optional(),
  topP: z.number().optional(),
  topK: z.number().optional(),
  maxOutputTokens: z.number().int().positive().optional(),
  candidateCount: z.number().int().optional(),
  stopSequences: z.array(z.string()).optional(),
  responseMimeType: z.string().optional(),
  responseSchema: z.unknown().optional(),
  responseJsonSchema: z.unknown().optional(),
  thinkingConfig: z
    .looseObject({
      thinkingBudget: z.number().int().optional(),
      includeThoughts: z.boolean().optional(),
      thinkingLevel: z.string().optional(),
    })
    .optional(),
});

/** A turn of the conversation: Gemini takes only these two roles (a system prompt is systemInstruction). */
export const geminiTurnSchema = geminiContentSchema.extend({ role: z.enum(["user", "model"]).optional() });
export type GeminiTurn = z.infer<typeof geminiTurnSchema>;

export const geminiGenerateContentRequestSchema = z.looseObject({
  contents: z.array(geminiTurnSchema).min(1, "contents is not specified"),
  systemInstruction: geminiContentSchema.optional(),
  generationConfig: geminiGenerationConfigSchema.optional(),
  tools: z.array(geminiToolSchema).optional(),
  toolConfig: z.looseObject({}).optional(),
  safetySettings: z.array(z.looseObject({})).optional(),
  cachedContent: z.string().optional(),
});
export type GeminiGenerateContentRequest = z.infer<typeof geminiGenerateContentRequestSchema>;

export const geminiUsageMetadataSchema = z.looseObject({
  promptTokenCount: z.number().optional(),
  candidatesTokenCount: z.number().optional(),
  totalTokenCount: z.number().optional(),
  thoughtsTokenCount: z.number().optional(),
  cachedContentTokenCount: z.number().optional(),
});
export type GeminiUsageMetadata = z.infer<typeof geminiUsageMetadataSchema>;

/** A whole answer, and also each chunk of a stream. */
export const geminiGenerateContentResponseSchema = z.looseObject({
  responseId: z.string().optional(),
  modelVersion: z.string().optional(),
  candidates: z
    .array(
      z.looseObject({
        content: z
          .looseObject({ role: z.string().optional(), parts: z.array(geminiPartSchema).optional() })
          .optional(),
        finishReason: z.string().optional(),
        index: z.number().optional(),
      }),
    )
    .optional(),
  promptFeedback: z.looseObject({ blockReason: z.string().optional() }).optional(),
  usageMetadata: geminiUsageMetadataSchema.optional(),
});
export type GeminiGenerateContentResponse = z.infer<typeof geminiGenerateContentResponseSchema>;

export const geminiErrorDetailSchema = z.looseObject({
  "@type": z.string().optional(),
  reason: z.string().optional(),
  retryDelay: z.string().optional(),
  violations: z.array(z.looseObject({ quotaId: z.string().optional() })).optional(),
});

/** `{"error":{"code","message","status","details"}}`, also sent as a stream event after HTTP 200. */
export const geminiErrorEnvelopeSchema = z.looseObject({
  error: z.looseObject({
    code: z.number().optional(),
    message: z.string().optional(),
    status: z.string().optional(),
    details: z.array(geminiErrorDetailSchema).optional(),
  }),
});
export type GeminiErrorEnvelope = z.infer<typeof geminiErrorEnvelopeSchema>;
