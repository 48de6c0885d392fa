// OpenAI-style chat completions as Z.ai and Moonshot serve them: `reasoning_content` when thinking is
// on, `data: [DONE]` at the end, and each platform's own quirks (Moonshot's usage inside the final
// choice, Z.ai's mid-stream failure carried by finish_reason).
import { isOpenAiFunctionTool, openAiChatRequestSchema } from "../wire/openai-chat-completions.ts";
import { parseWith } from "./anthropic-messages.ts";
import {
  estimateTokens,
  limitReply,
  replyText,
  requestedToolCall,
  streamPieces,
  textOf,
  thinkingText,
} from "./conversation.ts";
import { hexId } from "./ids.ts";
import { type Call, dataFrame, json, type Reply } from "./wire.ts";

export interface ChatFlavour {
  provider: "zai" | "moonshot";
  /** The model name to report; throws the platform's own unknown-model error. */
  resolveModel(model: string): string;
  /** Whether the model thinks when the request does not say. */
  thinksByDefault(model: string): boolean;
}

export function handleChatCompletion(call: Call, flavour: ChatFlavour): Reply {
  const request = parseWith(openAiChatRequestSchema, call);
  const model = flavour.resolveModel(request.model);
  const lastUser = request.messages.findLast((message) => message.role === "user");
  const last = request.messages.at(-1);
  // After a tool's answer the model talks about that answer; a prompt naming a tool gets a call.
  const quote =
    last?.role === "tool" ? `tool result ${textOf(last.content)}` : textOf(lastUser?.content ?? "");
  const functions = (request.tools ?? []).filter(isOpenAiFunctionTool);
  const toolCall =
    last?.role === "user"
      ? requestedToolCall(
          quote,
          functions.map((tool) => ({ name: tool.function.name, schema: tool.function.parameters })),
        )
      : undefined;
  const wireCall =
    toolCall === undefined
      ? undefined
      : { id: `call_${hexId(12)}`, name: toolCall.name, arguments: JSON.stringify(toolCall.input) };
  const limited = limitReply(
    wireCall ? "" : replyText(flavour.provider, quote),
    request.max_completion_tokens ?? request.max_tokens ?? undefined,
  );
  const text = limited.text;
  const finishReason = wireCall ? "tool_calls" : limited.truncated ? "length" : "stop";
  const thinks = request.thinking ? request.thinking.type === "enabled" : flavour.thinksByDefault(model);
  const reasoning = thinks ? thinkingText(quote) : undefined;
  const promptTokens = estimateTokens(JSON.stringify(request.messages));
  const completionTokens =
    estimateTokens(text + (wireCall?.arguments ?? "")) + (reasoning ? estimateTokens(reasoning) : 0);
  const created = Math.floor(call.now() / 1000);
  const moonshot = flavour.provider === "moonshot";
  const id = moonshot ? `chatcmpl-${hexId(12)}` : `${created}${hexId(8)}`;
  const usage = moonshot
    ? {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
        cached_tokens: 0,
      }
    : {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        prompt_tokens_details: { cached_tokens: 0 },
        ...(reasoning ? { completion_tokens_details: { reasoning_tokens: estimateTokens(reasoning) } } : {}),
        total_tokens: promptTokens + completionTokens,
      };
  const envelope = moonshot
    ? { id, object: "chat.completion", created, model }
    : { id, request_id: id, created, model };

  if (request.stream !== true) {
    return json({
      ...envelope,
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: text,
            ...(reasoning ? { reasoning_content: reasoning } : {}),
            ...(wireCall
              ? {
                  tool_calls: [
                    {
                      id: wireCall.id,
                      type: "function",
                      function: { name: wireCall.name, arguments: wireCall.arguments },
                    },
                  ],
                }
              : {}),
          },
          finish_reason: finishReason,
        },
      ],
      usage,
    });
  }

  const chunkEnvelope = moonshot
    ? { id, object: "chat.completion.chunk", created, model, system_fingerprint: "fpv0_simulated" }
    : { id, created, model };
  const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}): string =>
    dataFrame({ ...chunkEnvelope, choices: [{ index: 0, delta, ...extra }] });
  const frames: string[] = [chunk({ role: "assistant", content: "" }, { finish_reason: null })];
  if (reasoning) frames.push(chunk({ reasoning_content: reasoning }, { finish_reason: null }));
  if (wireCall) {
    frames.push(
      chunk(
        {
          tool_calls: [
            { index: 0, id: wireCall.id, type: "function", function: { name: wireCall.name, arguments: "" } },
          ],
        },
        { finish_reason: null },
      ),
    );
    for (const piece of streamPieces(wireCall.arguments)) {
      frames.push(
        chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] }, { finish_reason: null }),
      );
    }
  }
  const pieces = wireCall ? [] : streamPieces(text);
  for (const [position, piece] of pieces.entries()) {
    frames.push(chunk({ content: piece }, { finish_reason: null }));
    if (position === 0 && call.fault?.kind === "stream-error") {
      if (moonshot) {
        frames.push(
          dataFrame({ error: { type: "server_error", message: "stream interrupted: engine failure" } }),
        );
        return { type: "sse", frames };
      }
      // Z.ai reports a failure mid-stream only through finish_reason, never as error JSON.
      frames.push(
        dataFrame({
          ...chunkEnvelope,
          choices: [{ index: 0, delta: {}, finish_reason: "network_error" }],
          usage,
        }),
        dataFrame("[DONE]"),
      );
      return { type: "sse", frames };
    }
  }
  if (moonshot) {
    // Moonshot puts usage inside the final choice, not at the top level.
    frames.push(chunk({}, { finish_reason: finishReason, usage }));
  } else {
    frames.push(
      dataFrame({ ...chunkEnvelope, choices: [{ index: 0, delta: {}, finish_reason: finishReason }], usage }),
    );
  }
  frames.push(dataFrame("[DONE]"));
  return { type: "sse", frames };
}
