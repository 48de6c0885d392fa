// Moonshot's error shapes to ProviderError. Moonshot answers 429 for rate limits, for an empty
// balance and for overload alike, so the mapping branches on `error.type`, never on the status.
import { z } from "zod";
import {
  describeNonJsonBody,
  errorFromStatus,
  type HttpFailure,
  kindFromStatus,
  ProviderError,
  type ProviderErrorKind,
  parseJsonBody,
  requestIdFromHeaders,
  retryAfterFromHeaders,
  retryAfterFromMessage,
} from "../errors.ts";

const KIND_BY_TYPE: Readonly<Record<string, ProviderErrorKind>> = {
  content_filter: "invalid_request",
  invalid_request_error: "invalid_request",
  invalid_authentication_error: "auth",
  incorrect_api_key_error: "auth",
  permission_denied_error: "permission",
  resource_not_found_error: "not_found",
  engine_overloaded_error: "overloaded",
  exceeded_current_quota_error: "quota",
  rate_limit_reached_error: "rate_limit",
  server_error: "server",
  unexpected_output: "server",
};

const errorEnvelope = z.looseObject({
  error: z.looseObject({ type: z.string().optional(), message: z.string().optional() }),
});

/** Unknown routes answer with the gateway's own envelope instead of `{error:{…}}`. */
const gatewayEnvelope = z.looseObject({
  error: z.string(),
  message: z.string().optional(),
  status: z.literal(false),
});

export function mapMoonshotError(failure: HttpFailure): ProviderError {
  const body = parseJsonBody(failure.body);
  const envelope = errorEnvelope.safeParse(body);
  const retryAfterHeader = retryAfterFromHeaders(failure.headers);
  const requestId = requestIdFromHeaders(failure.headers);
  if (envelope.success) {
    const type = envelope.data.error.type ?? "";
    const message = envelope.data.error.message ?? `HTTP ${failure.status}`;
    const kind = KIND_BY_TYPE[type] ?? kindFromStatus(failure.status);
    return new ProviderError({
      kind,
      provider: failure.provider,
      status: failure.status,
      requestId,
      providerCode: type === "" ? undefined : type,
      retryAfterMs: retryAfterHeader ?? (kind === "rate_limit" ? retryAfterFromMessage(message) : undefined),
      message: `${failure.provider}: ${message}`,
    });
  }
  const gateway = gatewayEnvelope.safeParse(body);
  if (gateway.success) {
    return new ProviderError({
      kind: gateway.data.error.endsWith("not_found") ? "not_found" : kindFromStatus(failure.status),
      provider: failure.provider,
      status: failure.status,
      requestId,
      providerCode: gateway.data.error,
      message: `${failure.provider}: ${gateway.data.error}${gateway.data.message ? ` (${gateway.data.message})` : ""}`,
    });
  }
  return errorFromStatus(failure, describeNonJsonBody(failure.body));
}
