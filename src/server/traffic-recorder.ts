// Each gateway request into the hub's traffic record (what the dashboard's Traffic and Providers
// pages read): the relay notes the model, the provider that answered and the ones passed over, and
// the tokens once the answer has ended; the server's outer middleware makes the one record call,
// deferred for a streamed answer until its last byte.
import type { Context } from "hono";
import type { Traffic, TrafficFallback } from "../observability/traffic.ts";
import { answerStatus, type ServerEnv } from "./context.ts";

/** What the relay learns about one gateway call while it runs. */
export interface GatewayCall {
  model: string;
  provider: string;
  fallbacks: readonly TrafficFallback[];
  tokensIn: number;
  tokensOut: number;
  ended: boolean;
  /** Set by the recorder when the answer is still streaming as the middleware finishes. */
  onEnd: (() => void) | undefined;
}

const GATEWAY_ROUTES = new Set([
  "/v1/messages",
  "/v1/messages/count_tokens",
  "/v1/chat/completions",
  "/v1beta/models/{model}",
]);

/** Starts the call's note once the model is known. */
export function startGatewayCall(c: Context<ServerEnv>, model: string): GatewayCall {
  const call: GatewayCall = {
    model,
    provider: "",
    fallbacks: [],
    tokensIn: 0,
    tokensOut: 0,
    ended: false,
    onEnd: undefined,
  };
  c.set("gatewayCall", call);
  return call;
}

/** The answer has ended (completely, or cut): its tokens are known. */
export function endGatewayCall(call: GatewayCall, tokens: { input: number; output: number }): void {
  call.tokensIn = tokens.input;
  call.tokensOut = tokens.output;
  call.ended = true;
  call.onEnd?.();
}

/**
 * Runs `listener` once the call's answer has ended: now if it has, else after its last byte (after
 * any listener registered before it).
 */
export function whenGatewayCallEnds(call: GatewayCall, listener: () => void): void {
  if (call.ended) {
    listener();
    return;
  }
  const before = call.onEnd;
  call.onEnd =
    before === undefined
      ? listener
      : () => {
          before();
          listener();
        };
}

/** The one call per request, from the server's outer middleware; other routes are not traffic. */
export function recordTraffic(traffic: Traffic, c: Context<ServerEnv>, dialect: string): void {
  const call = c.get("gatewayCall");
  if (call === undefined && !GATEWAY_ROUTES.has(c.get("route") ?? "")) return;
  const started = c.get("started");
  const status = answerStatus(c);
  const write = (): void => {
    const latencyMs = performance.now() - started;
    traffic.record({
      at: Date.now() - latencyMs,
      key: c.get("principal")?.name ?? "",
      dialect,
      model: call?.model ?? "",
      provider: call?.provider ?? "",
      fallbacks: call?.fallbacks ?? [],
      status,
      latencyMs,
      tokensIn: call?.tokensIn ?? 0,
      tokensOut: call?.tokensOut ?? 0,
    });
  };
  if (call !== undefined && call.provider !== "" && status < 400) whenGatewayCallEnds(call, write);
  else write();
}
