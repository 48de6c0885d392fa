// Anthropic's error envelope to ProviderError, both from an HTTP status and from an `error` event
// that arrives inside a stream after HTTP 200. Unknown error types fall back to the status.
import { type AnthropicErrorEnvelope, anthropicErrorEnvelopeSchema } from "../../wire/anthropic-messages.ts";
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
} from "../errors.ts";

const KIND_BY_TYPE: Readonly<Record<string, ProviderErrorKind>> = {
  invalid_request_error: "invalid_request",
  authentication_error: "auth",
  billing_error: "quota",
  permission_error: "permission",
  not_found_error: "not_found",
  request_too_large: "too_large",
  rate_limit_error: "rate_limit",
  api_error: "server",
  timeout_error: "timeout",
  overloaded_error: "overloaded",
};

/** Status each error type is normally sent with, for errors met inside a stream. */
const STATUS_BY_TYPE: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

export function mapAnthropicError(failure: HttpFailure): ProviderError {
  const envelope = anthropicErrorEnvelopeSchema.safeParse(parseJsonBody(failure.body));
  if (!envelope.success) return errorFromStatus(failure, describeNonJsonBody(failure.body));
  return anthropicErrorFromEnvelope(failure.provider, envelope.data, failure.status, failure.headers);
}

/** Also used for a mid-stream `error` event, where there is no status of its own. */
export function anthropicErrorFromEnvelope(
  provider: string,
  envelope: AnthropicErrorEnvelope,
  status?: number,
  headers: Readonly<Record<string, string>> = {},
): ProviderError {
  const type = envelope.error.type;
  const effectiveStatus = status ?? STATUS_BY_TYPE[type];
  const kind =
    KIND_BY_TYPE[type] ?? (effectiveStatus === undefined ? "server" : kindFromStatus(effectiveStatus));
  return new ProviderError({
    kind,
    provider,
    status,
    requestId: envelope.request_id ?? requestIdFromHeaders(headers),
    providerCode: type,
    retryAfterMs: retryAfterFromHeaders(headers),
    message: `${provider}: ${envelope.error.message ?? type}`,
  });
}
