// Per-provider resilience policy (`providers.<id>.policy`) and the top-level `resilience:` section:
// where breaker state lives and which providers a chat falls back to.
import { z } from "zod";
import { identifier, redisUrl } from "./common.ts";

const milliseconds = (fallback: number, description: string) =>
  z.number().int().nonnegative().default(fallback).describe(description);

const timeoutsSchema = z.strictObject({
  connectMs: z
    .number()
    .int()
    .positive()
    .default(10_000)
    .describe("Time allowed to open the TCP/TLS connection to the provider."),
  firstByteMs: z
    .number()
    .int()
    .positive()
    .default(60_000)
    .describe("Time from sending the request to the first byte of the answer (includes connecting)."),
  idleMs: z
    .number()
    .int()
    .positive()
    .default(30_000)
    .describe("Longest silence allowed between two chunks of a streamed answer."),
});

const retrySchema = z.strictObject({
  maxAttempts: z
    .number()
    .int()
    .min(1)
    .max(10)
    .default(3)
    .describe("Attempts per call, the first included; 1 turns retries off."),
  baseDelayMs: milliseconds(500, "Backoff before the first retry; doubles each attempt, with full jitter."),
  maxDelayMs: milliseconds(8_000, "Cap on one backoff delay."),
  maxRetryAfterMs: milliseconds(
    20_000,
    "A provider asking to wait longer than this (Retry-After) is not retried: the fallback is tried instead.",
  ),
});

const breakerSchema = z.strictObject({
  consecutiveFailures: z
    .number()
    .int()
    .nonnegative()
    .default(5)
    .describe("Open after this many provider-side failures in a row; 0 turns this trigger off."),
  failureRate: z
    .number()
    .min(0)
    .max(1)
    .default(0.5)
    .describe("Open when this fraction of calls in the window failed; 0 turns this trigger off."),
  windowMs: z.number().int().min(1_000).default(60_000).describe("The sliding window of the failure rate."),
  minimumCalls: z
    .number()
    .int()
    .min(1)
    .default(10)
    .describe("The failure rate is only judged once the window holds this many calls."),
  openMs: z
    .number()
    .int()
    .min(100)
    .default(30_000)
    .describe("How long the circuit stays open before probing."),
  maxOpenMs: z
    .number()
    .int()
    .min(100)
    .default(300_000)
    .describe("Each failed probe doubles the open time, up to this."),
  halfOpenProbes: z
    .number()
    .int()
    .min(1)
    .max(100)
    .default(1)
    .describe("Calls let through while half-open; all must succeed to close the circuit."),
});

const bulkheadSchema = z.strictObject({
  maxConcurrent: z.number().int().min(1).default(16).describe("Calls to this provider running at once."),
  maxQueue: z
    .number()
    .int()
    .nonnegative()
    .default(64)
    .describe("Calls waiting for a slot; beyond this a call is rejected at once."),
});

export const policySchema = z
  .strictObject({
    timeouts: timeoutsSchema.default(timeoutsSchema.parse({})),
    retry: retrySchema.default(retrySchema.parse({})),
    breaker: breakerSchema.default(breakerSchema.parse({})),
    bulkhead: bulkheadSchema.default(bulkheadSchema.parse({})),
  })
  .superRefine((policy, context) => {
    if (policy.retry.maxDelayMs < policy.retry.baseDelayMs) {
      context.addIssue({
        code: "custom",
        path: ["retry", "maxDelayMs"],
        message: "must be at least retry.baseDelayMs",
      });
    }
    if (policy.breaker.maxOpenMs < policy.breaker.openMs) {
      context.addIssue({
        code: "custom",
        path: ["breaker", "maxOpenMs"],
        message: "must be at least breaker.openMs",
      });
    }
    if (policy.breaker.consecutiveFailures === 0 && policy.breaker.failureRate === 0) {
      context.addIssue({
        code: "custom",
        path: ["breaker"],
        message:
          "consecutiveFailures and failureRate are both 0, so the circuit could never open; set one of them",
      });
    }
  })
  .describe("Timeouts, retries, circuit breaker and bulkhead for calls to this provider.");
export type PolicyConfig = z.infer<typeof policySchema>;

/** The policy every provider gets when config.yaml does not set one. */
export const DEFAULT_POLICY: PolicyConfig = policySchema.parse({});

export const BREAKER_STORES = ["memory", "sqlite", "redis"] as const;
export type BreakerStoreKind = (typeof BREAKER_STORES)[number];

export const resilienceSchema = z
  .strictObject({
    store: z
      .enum(BREAKER_STORES, { error: `must be one of ${BREAKER_STORES.join(", ")}` })
      .default("sqlite")
      .describe(
        "Where circuit-breaker state lives: memory (this process only), sqlite (survives restarts), redis (shared by every replica).",
      ),
    redisUrl: redisUrl
      .optional()
      .describe(
        "The Redis server for store: redis when redis.url (or AI_ORCHESTRATOR_REDIS_URL) names none. A password in it is never logged.",
      ),
    redisKeyPrefix: z
      .string()
      .min(1)
      .default("aio:")
      .describe("Prefix of every Redis key, so that several deployments can share one Redis."),
    fallbacks: z
      .record(identifier, z.array(identifier).min(1))
      .default({})
      .describe("Per provider, the providers a chat falls back to, in order: `zai: [moonshot, anthropic]`."),
  })
  .superRefine((resilience, context) => {
    for (const [from, chain] of Object.entries(resilience.fallbacks)) {
      if (chain.includes(from)) {
        context.addIssue({
          code: "custom",
          path: ["fallbacks", from],
          message: `lists ${from} itself; a provider's fallbacks must be other providers`,
        });
      }
    }
  });
export type ResilienceConfig = z.infer<typeof resilienceSchema>;
