// What the gateway benchmark's processes agree on: the upstream's fixed reply, and what the
// orchestrator and the load generator say to each other over IPC (one job: a target, a
// concurrency and a request count; one summary back).
import { z } from "zod";

/** The upstream's whole answer; a streamed answer carries it in pieces. */
export const UPSTREAM_REPLY = "Hello from the benchmark upstream.";

export const loadJobSchema = z.strictObject({
  url: z.string(),
  headers: z.record(z.string(), z.string()),
  body: z.string(),
  stream: z.boolean(),
  /** Text every answer must contain, so a gateway that answers fast but wrong is caught. */
  expect: z.string(),
  clients: z.number().int().positive(),
  warmup: z.number().int().nonnegative(),
  requests: z.number().int().positive(),
});
export type LoadJob = z.infer<typeof loadJobSchema>;

export const loadResultSchema = z.strictObject({
  requests: z.number(),
  failures: z.number(),
  firstFailure: z.string().nullable(),
  seconds: z.number(),
  p50Ms: z.number(),
  p99Ms: z.number(),
  /** p50 of the `x-aio-overhead-ms` header, null when no answer carried it. */
  overheadP50Ms: z.number().nullable(),
});
export type LoadResult = z.infer<typeof loadResultSchema>;
