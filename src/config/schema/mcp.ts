// `mcp:` settings of the MCP server (`ai-orchestrator mcp` and the hub's /mcp): how long a chat
// thread may grow and live, how large a prompt may be, and how long a clink may run.
import { z } from "zod";

const positiveInteger = z.number().int().positive();

export const mcpSchema = z.strictObject({
  threads: z
    .strictObject({
      maxTurns: positiveInteger
        .default(50)
        .describe("Turns a thread may hold (a question and its answer are two); then start a new one."),
      maxAgeDays: positiveInteger
        .default(30)
        .describe("Days after its last turn that a thread can still be continued."),
      maxBytes: positiveInteger
        .default(1_000_000)
        .describe("Total size of a thread's turns, in bytes of text, that is still sent to a model."),
    })
    .prefault({}),
  maxPromptChars: positiveInteger
    .default(200_000)
    .describe("The longest prompt a tool accepts, in characters; send larger material as files."),
  allowedOrigins: z
    .array(z.url({ protocol: /^https?$/ }).transform((value) => new URL(value).origin))
    .default([])
    .describe(
      "Browser origins allowed to call /mcp besides loopback ones (the Origin header is checked against DNS rebinding).",
    ),
  clink: z
    .strictObject({
      timeoutSeconds: positiveInteger
        .max(86_400)
        .default(600)
        .describe("How long a clink run may take when the call does not say (`timeout_s`)."),
      maxOutputChars: positiveInteger
        .default(20_000)
        .describe("Output longer than this is shortened, keeping its start and end, with a note."),
    })
    .prefault({}),
});
export type McpConfig = z.infer<typeof mcpSchema>;
