// The Anthropic Messages API as one reusable handler: Anthropic itself serves it, and so do the
// Anthropic-compatible endpoints of Z.ai and Moonshot (with their own model names and error flavours).
import type { z } from "zod";
import type { ProviderApi } from "../config/schema/index.ts";
import {
  type AnthropicMessageParam,
  anthropicCountTokensRequestSchema,
  anthropicCustomToolSchema,
  anthropicMessagesRequestSchema,
  isKnownAnthropicRequestBlock,
} from "../wire/anthropic-messages.ts";
import { describeWireIssue } from "../wire/open-union.ts";
import {
  estimateTokens,
  limitReply,
  replyText,
  requestedToolCall,
  streamPieces,
  textOf,
  thinkingText,
} from "./conversation.ts";
import { anthropicId } from "./ids.ts";
import { type Call, eventFrame, json, jsonBody, type Problem, type Reply, SimulatedError } from "./wire.ts";

export interface MessagesFlavour {
  provider: ProviderApi;
  /** The model name to report, or a not_found problem for a model this platform does not serve. */
  resolveModel(model: string): string;
  /** The body of an in-stream `error` event, in this platform's wording. */
  streamErrorBody(problem: Problem, requestId: string): unknown;
}

/** Turns a zod failure into the `path: problem` line Anthropic answers with. */
export function invalidRequest(error: z.ZodError): SimulatedError {
  return new SimulatedError({ kind: "invalid_request", message: describeWireIssue(error) });
}

export function parseWith<T>(schema: z.ZodType<T>, call: Call): T {
  const parsed = schema.safeParse(jsonBody(call));
  if (!parsed.success) throw invalidRequest(parsed.error);
  return parsed.data;
}

export function handleMessages(call: Call, flavour: MessagesFlavour): Reply {
  const request = parseWith(anthropicMessagesRequestSchema, call);
  const model = flavour.resolveModel(request.model);
  const lastUser = request.messages.findLast((entry) => entry.role === "user");
  const results = toolResults(lastUser?.content ?? "");
  // After a tool's answer the model talks about that answer; a prompt naming a tool gets a call.
  const quote = results === undefined ? textOf(lastUser?.content ?? "") : `tool result ${results}`;
  const limited = limitReply(replyText(flavour.provider, quote), request.max_tokens);
  const text = limited.text;
  const customTools = (request.tools ?? []).flatMap((tool) => {
    const custom = anthropicCustomToolSchema.safeParse(tool);
    return custom.success ? [{ name: custom.data.name, schema: custom.data.input_schema }] : [];
  });
  const requested = results === undefined ? requestedToolCall(quote, customTools) : undefined;
  const toolUse =
    requested === undefined
      ? undefined
      : { type: "tool_use", id: anthropicId("toolu"), name: requested.name, input: requested.input };
  const stopReason = toolUse ? "tool_use" : limited.truncated ? "max_tokens" : "end_turn";
  const thinking = request.thinking?.type === "enabled" ? thinkingText(quote) : undefined;
  const inputTokens = estimateTokens(JSON.stringify(request.messages) + JSON.stringify(request.system ?? ""));
  const outputTokens =
    estimateTokens(text + (toolUse ? JSON.stringify(toolUse.input) : "")) +
    (thinking ? estimateTokens(thinking) : 0);
  const id = anthropicId("msg");
  const signature = Buffer.from(`simulated-signature:${id}`).toString("base64");
  const usage = {
    input_tokens: inputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: outputTokens,
  };

  if (request.stream !== true) {
    const content = [
      ...(thinking ? [{ type: "thinking", thinking, signature }] : []),
      { type: "text", text },
      ...(toolUse ? [toolUse] : []),
    ];
    return json({
      id,
      type: "message",
      role: "assistant",
      model,
      content,
      stop_reason: stopReason,
      stop_sequence: null,
      usage,
    });
  }

  const frames: string[] = [
    eventFrame("message_start", {
      type: "message_start",
      message: {
        id,
        type: "message",
        role: "assistant",
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 1 },
      },
    }),
    eventFrame("ping", { type: "ping" }),
  ];
  let index = 0;
  if (thinking) {
    frames.push(
      eventFrame("content_block_start", {
        type: "content_block_start",
        index,
        content_block: { type: "thinking", thinking: "", signature: "" },
      }),
      eventFrame("content_block_delta", {
        type: "content_block_delta",
        index,
        delta: { type: "thinking_delta", thinking },
      }),
      eventFrame("content_block_delta", {
        type: "content_block_delta",
        index,
        delta: { type: "signature_delta", signature },
      }),
      eventFrame("content_block_stop", { type: "content_block_stop", index }),
    );
    index += 1;
  }
  frames.push(
    eventFrame("content_block_start", {
      type: "content_block_start",
      index,
      content_block: { type: "text", text: "" },
    }),
  );
  const pieces = streamPieces(text);
  for (const [position, piece] of pieces.entries()) {
    frames.push(
      eventFrame("content_block_delta", {
        type: "content_block_delta",
        index,
        delta: { type: "text_delta", text: piece },
      }),
    );
    if (position === 0 && call.fault?.kind === "stream-error") {
      // Anthropic reports a failure after the 200 as an `error` event, then ends the stream.
      frames.push(
        eventFrame("error", flavour.streamErrorBody({ kind: "overloaded", status: 529 }, call.requestId)),
      );
      return { type: "sse", frames };
    }
    if (position === 0) frames.push(eventFrame("ping", { type: "ping" }));
  }
  frames.push(eventFrame("content_block_stop", { type: "content_block_stop", index }));
  if (toolUse) {
    index += 1;
    frames.push(
      eventFrame("content_block_start", {
        type: "content_block_start",
        index,
        content_block: { ...toolUse, input: {} },
      }),
      ...streamPieces(JSON.stringify(toolUse.input)).map((piece) =>
        eventFrame("content_block_delta", {
          type: "content_block_delta",
          index,
          delta: { type: "input_json_delta", partial_json: piece },
        }),
      ),
      eventFrame("content_block_stop", { type: "content_block_stop", index }),
    );
  }
  frames.push(
    eventFrame("message_delta", {
      type: "message_delta",
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: outputTokens },
    }),
    eventFrame("message_stop", { type: "message_stop" }),
  );
  return { type: "sse", frames };
}

/** The text of the tool results a user turn carries, or undefined when it carries none. */
function toolResults(content: AnthropicMessageParam["content"]): string | undefined {
  if (typeof content === "string") return undefined;
  const results = content.flatMap((block) =>
    isKnownAnthropicRequestBlock(block) && block.type === "tool_result"
      ? [typeof block.content === "string" ? block.content : textOf(block.content ?? [])]
      : [],
  );
  return results.length === 0 ? undefined : results.join(" ");
}

export function handleCountTokens(call: Call, flavour: MessagesFlavour): Reply {
  const request = parseWith(anthropicCountTokensRequestSchema, call);
  flavour.resolveModel(request.model);
  return json({
    input_tokens: estimateTokens(
      JSON.stringify(request.messages) +
        JSON.stringify(request.system ?? "") +
        JSON.stringify(request.tools ?? []),
    ),
  });
}

/** `GET /v1/models` in the Anthropic shape, newest first, with Anthropic's cursor fields. */
export function anthropicModelList(
  models: readonly { id: string; displayName: string; createdAt: string }[],
): Reply {
  const data = models.map((model) => ({
    type: "model",
    id: model.id,
    display_name: model.displayName,
    created_at: model.createdAt,
  }));
  return json({ data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
}
