// Z.ai's error shapes to ProviderError. The body carries a business code (a string of digits) that
// says more than the HTTP status: 429 is a retryable rate limit for 1302, but an empty balance for 1113.
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
} from "../errors.ts";

const KIND_BY_CODE: Readonly<Record<string, ProviderErrorKind>> = {
  "500": "server",
  "1000": "auth",
  "1001": "auth",
  "1002": "auth",
  "1003": "auth",
  "1004": "auth",
  "1100": "server",
  "1110": "permission",
  "1111": "permission",
  "1112": "permission",
  "1113": "quota",
  "1120": "permission",
  "1121": "permission",
  "1200": "invalid_request",
  "1210": "invalid_request",
  "1211": "not_found",
  "1212": "invalid_request",
  "1213": "invalid_request",
  "1214": "invalid_request",
  "1215": "invalid_request",
  "1220": "permission",
  "1221": "not_found",
  "1222": "not_found",
  "1230": "server",
  "1231": "invalid_request",
  "1234": "server",
  "1300": "invalid_request",
  "1301": "invalid_request",
  "1302": "rate_limit",
  "1303": "rate_limit",
  "1304": "quota",
  "1305": "overloaded",
  "1308": "quota",
  "1309": "quota",
  "1310": "quota",
};

/** Statuses only Z.ai uses for its beta file API. */
const KIND_BY_ZAI_STATUS: Readonly<Record<number, ProviderErrorKind>> = {
  434: "permission",
  435: "too_large",
};

const errorEnvelope = z.looseObject({
  error: z.looseObject({
    code: z.union([z.string(), z.number()]).optional(),
    message: z.string().optional(),
  }),
});

export function mapZaiError(failure: HttpFailure): ProviderError {
  const envelope = errorEnvelope.safeParse(parseJsonBody(failure.body));
  if (!envelope.success) {
    const statusKind = KIND_BY_ZAI_STATUS[failure.status];
    if (statusKind === undefined) return errorFromStatus(failure, describeNonJsonBody(failure.body));
    return new ProviderError({
      kind: statusKind,
      provider: failure.provider,
      status: failure.status,
      message: `${failure.provider} answered HTTP ${failure.status}: ${describeNonJsonBody(failure.body)}`,
    });
  }
  const code = envelope.data.error.code === undefined ? undefined : String(envelope.data.error.code);
  const message = envelope.data.error.message ?? `HTTP ${failure.status}`;
  const codeKind = code === undefined ? undefined : KIND_BY_CODE[code];
  // A missing file comes back as "invalid file_id" (a parameter code) with HTTP 404: the status says more.
  const kind =
    (codeKind === "invalid_request" && failure.status === 404 ? "not_found" : codeKind) ??
    KIND_BY_ZAI_STATUS[failure.status] ??
    kindFromStatus(failure.status);
  return new ProviderError({
    kind,
    provider: failure.provider,
    status: failure.status,
    requestId: requestIdFromHeaders(failure.headers),
    providerCode: code,
    retryAfterMs:
      retryAfterFromHeaders(failure.headers) ?? (code === "1308" ? resetDelay(message) : undefined),
    message: `${failure.provider}: ${code === undefined ? "" : `[${code}] `}${message}`,
  });
}

/** Coding Plan limits (1308) name the moment they reset: "Your limit will reset at 2026-11-21 08:00:00". */
function resetDelay(message: string, now = Date.now()): number | undefined {
  const at = /reset at ([0-9T:\-+ .Z]+)/i.exec(message)?.[1]?.trim();
  if (at === undefined) return undefined;
  const time = Date.parse(at.replace(" ", "T"));
  return Number.isNaN(time) ? undefined : Math.max(0, time - now);
}
