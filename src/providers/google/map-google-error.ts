// Gemini's google.rpc.Status envelope to ProviderError. RESOURCE_EXHAUSTED covers both per-minute
// limits (retry after RetryInfo.retryDelay) and daily quota (retrying today will not help, even
// when the answer carries a retry delay of a few seconds, as it often does).
import { geminiErrorEnvelopeSchema } from "../../wire/gemini-generate-content.ts";
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

const KIND_BY_STATUS: Readonly<Record<string, ProviderErrorKind>> = {
  INVALID_ARGUMENT: "invalid_request",
  FAILED_PRECONDITION: "permission",
  OUT_OF_RANGE: "invalid_request",
  UNAUTHENTICATED: "auth",
  PERMISSION_DENIED: "permission",
  NOT_FOUND: "not_found",
  ALREADY_EXISTS: "invalid_request",
  RESOURCE_EXHAUSTED: "rate_limit",
  CANCELLED: "server",
  ABORTED: "server",
  INTERNAL: "server",
  UNKNOWN: "server",
  DATA_LOSS: "server",
  UNIMPLEMENTED: "not_found",
  UNAVAILABLE: "overloaded",
  DEADLINE_EXCEEDED: "timeout",
};

export function mapGoogleError(failure: HttpFailure): ProviderError {
  const envelope = geminiErrorEnvelopeSchema.safeParse(parseJsonBody(failure.body));
  if (!envelope.success) return errorFromStatus(failure, describeNonJsonBody(failure.body));
  const { message = `HTTP ${failure.status}`, status, details = [] } = envelope.data.error;
  let kind = (status === undefined ? undefined : KIND_BY_STATUS[status]) ?? kindFromStatus(failure.status);
  const reasons = details.map((item) => item.reason).filter((reason) => reason !== undefined);
  if (reasons.includes("API_KEY_INVALID") || reasons.includes("API_KEY_EXPIRED")) kind = "auth";
  const retryDelay = details.map((item) => item.retryDelay).find((value) => value !== undefined);
  const retryAfterMs =
    parseDuration(retryDelay) ?? retryAfterFromHeaders(failure.headers) ?? retryAfterFromMessage(message);
  const daily = details.some((item) =>
    item.violations?.some((violation) => /PerDay/i.test(violation.quotaId ?? "")),
  );
  if (kind === "rate_limit" && daily) kind = "quota";
  return new ProviderError({
    kind,
    provider: failure.provider,
    status: failure.status,
    requestId: requestIdFromHeaders(failure.headers),
    providerCode: status,
    retryAfterMs: kind === "quota" ? undefined : retryAfterMs,
    message: `${failure.provider}: ${message}`,
  });
}

/** A protobuf Duration in JSON form: "33s", "33.5s", "0.450s". */
function parseDuration(value: string | undefined): number | undefined {
  const seconds = value === undefined ? undefined : /^(\d+(?:\.\d+)?)s$/.exec(value.trim())?.[1];
  return seconds === undefined ? undefined : Math.round(Number.parseFloat(seconds) * 1000);
}
