// Scripted answers for the Anthropic Messages API (Anthropic itself, and the Anthropic-compatible
// endpoints of Z.ai and Moonshot): a model that calls a given tool with given input. With it a real
// client's agent loop (Claude Code selecting and calling an MCP tool) can be driven offline; the
// usual reply to the tool's result then quotes it. Steps are armed per provider and used once each;
// a request no armed step fits gets the usual reply.
import { z } from "zod";
import type { ProviderApi } from "../config/schema/index.ts";
import { type AnthropicMessagesRequest, anthropicMessagesRequestSchema } from "../wire/anthropic-messages.ts";
import { estimateTokens } from "./conversation.ts";
import { anthropicId } from "./ids.ts";
import { type Call, eventFrame, json, type ProviderSimulator, type Reply } from "./wire.ts";

/** Answer with a `tool_use` of this tool and input, on the first request that offers the tool. */
export const scriptStepSchema = z.strictObject({
  kind: z.literal("tool_use"),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()).default({}),
});
export type ScriptStep = z.input<typeof scriptStepSchema>;
type ParsedStep = z.output<typeof scriptStepSchema>;

export interface ScriptController {
  /** Arms steps for a provider's Messages API, used in order of arming where several fit. */
  arm(provider: ProviderApi, ...steps: ScriptStep[]): void;
  clear(provider?: ProviderApi): void;
  /** Steps armed and not yet used. */
  pending(provider: ProviderApi): ParsedStep[];
}

export class ScriptBook implements ScriptController {
  readonly #armed = new Map<ProviderApi, ParsedStep[]>();

  arm(provider: ProviderApi, ...steps: ScriptStep[]): void {
    const list = this.#armed.get(provider) ?? [];
    list.push(...steps.map((step) => scriptStepSchema.parse(step)));
    this.#armed.set(provider, list);
  }

  clear(provider?: ProviderApi): void {
    if (provider === undefined) this.#armed.clear();
    else this.#armed.delete(provider);
  }

  pending(provider: ProviderApi): ParsedStep[] {
    return [...(this.#armed.get(provider) ?? [])];
  }

  /** Takes the first armed step that fits this Messages request. */
  take(provider: ProviderApi, request: AnthropicMessagesRequest): ParsedStep | undefined {
    const list = this.#armed.get(provider);
    const index = list?.findIndex((step) => fits(step, request)) ?? -1;
    if (!list || index < 0) return undefined;
    return list.splice(index, 1)[0];
  }
}

const MESSAGES_PATHS = ["/v1/messages", "/api/anthropic/v1/messages", "/anthropic/v1/messages"];

/** The simulator with its Messages routes answering armed steps first. */
export function withScripts(simulator: ProviderSimulator, book: ScriptBook): ProviderSimulator {
  return {
    ...simulator,
    routes: simulator.routes.map((route) => {
      if (route.method !== "POST" || !MESSAGES_PATHS.some((path) => route.path.test(path))) return route;
      return {
        ...route,
        handle: (call: Call) => {
          const request = parseRequest(call);
          const step = request ? book.take(simulator.provider, request) : undefined;
          return step && request ? scriptedReply(step, request) : route.handle(call);
        },
      };
    }),
  };
}

function parseRequest(call: Call): AnthropicMessagesRequest | undefined {
  try {
    const parsed = anthropicMessagesRequestSchema.safeParse(JSON.parse(call.body.toString("utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined; // the route's own handler answers a malformed body in the provider's words
  }
}

function fits(step: ParsedStep, request: AnthropicMessagesRequest): boolean {
  return (request.tools ?? []).some((tool) => tool.name === step.name);
}

function scriptedReply(step: ParsedStep, request: AnthropicMessagesRequest): Reply {
  const toolUse = { type: "tool_use", id: anthropicId("toolu"), name: step.name, input: step.input };
  const id = anthropicId("msg");
  const outputTokens = estimateTokens(JSON.stringify(toolUse));
  const usage = {
    input_tokens: estimateTokens(JSON.stringify(request.messages)),
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: outputTokens,
  };
  const message = { id, type: "message", role: "assistant", model: request.model };
  if (request.stream !== true) {
    return json({ ...message, content: [toolUse], stop_reason: "tool_use", stop_sequence: null, usage });
  }
  return {
    type: "sse",
    frames: [
      eventFrame("message_start", {
        type: "message_start",
        message: {
          ...message,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { ...usage, output_tokens: 1 },
        },
      }),
      eventFrame("content_block_start", {
        type: "content_block_start",
        index: 0,
        content_block: { ...toolUse, input: {} },
      }),
      eventFrame("content_block_delta", {
        type: "content_block_delta",
        index: 0,
        delta: { type: "input_json_delta", partial_json: JSON.stringify(toolUse.input) },
      }),
      eventFrame("content_block_stop", { type: "content_block_stop", index: 0 }),
      eventFrame("message_delta", {
        type: "message_delta",
        delta: { stop_reason: "tool_use", stop_sequence: null },
        usage: { output_tokens: outputTokens },
      }),
      eventFrame("message_stop", { type: "message_stop" }),
    ],
  };
}
