// `chat`: one question to a model through the gateway (routing, policies, fallbacks), kept in a
// stored thread that a later call, from this process or another, continues with `continuation_id`.
import type { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { allowsProvider } from "../../auth/provider-access.ts";
import type { ChatInput } from "../../gateway/chat-service.ts";
import { findCredential } from "../../providers/credentials.ts";
import { providerIds, resolveProvider } from "../../providers/registry.ts";
import type { FallbackAttempt } from "../../resilience/errors.ts";
import type { ThreadTurn } from "../../store/repositories.ts";
import { type OpenThread, threadMessages } from "../conversations.ts";
import { progressOf } from "../progress.ts";
import { checkPromptSize, MCP_ACTOR, type ToolContext, workspaceFile } from "../tool-context.ts";
import { guarded, textResult } from "../tool-result.ts";

/** A prompt with something in it: a blank one would be sent, and paid for, as it is. */
export const promptText = z.string().regex(/\S/, "is empty: say what to ask");

export const chatInput = z.object({
  prompt: promptText.describe("The question or task."),
  model: z
    .string()
    .min(1)
    .optional()
    .describe("provider/model, an alias, or a name like glm-4.6; default: the thread's last model."),
  continuation_id: z.string().min(1).max(200).optional().describe("Continue this thread."),
  files: z.array(z.string().min(1)).max(20).optional().describe("Workspace files to attach."),
  system: z.string().optional(),
  temperature: z.number().min(0).max(2).optional(),
  thinking: z.boolean().optional().describe("Ask for the model's reasoning."),
});

export function registerChatTool(server: McpServer, context: ToolContext): void {
  server.registerTool(
    "chat",
    {
      description:
        "Ask another AI model (GLM, Kimi, Gemini, Claude) for a second opinion. Returns its answer and a continuation_id to keep the thread going.",
      inputSchema: chatInput,
    },
    (input, request) =>
      guarded(context.logger, "chat", async () => {
        checkPromptSize(context, input.prompt);
        const thread = await context.conversations.openFor(input.continuation_id, input.prompt);
        const files = (input.files ?? []).map((name) => ({
          path: workspaceFile(context, name),
          label: name,
        }));
        const progress = progressOf(request);
        let received = 0;
        const result = await context.chat.chat({
          ...modelChoice(context, input.model, thread),
          messages: threadMessages(thread.turns),
          prompt: input.prompt,
          ...(input.system === undefined ? {} : { system: input.system }),
          ...(input.temperature === undefined ? {} : { temperature: input.temperature }),
          ...(input.thinking === undefined ? {} : { thinking: input.thinking }),
          files,
          actor: MCP_ACTOR,
          signal: request.mcpReq.signal,
          access: context.access,
          onEvent: (event, stream) => {
            if (event.type === "start")
              progress.report(`asking ${stream.target.provider}/${stream.target.model}`, true);
            if (event.type !== "text-delta") return;
            received += event.text.length;
            progress.report(`${stream.target.provider}: ${received} characters received`);
          },
        });
        const { response, target } = result;
        const now = Date.now();
        const turns: ThreadTurn[] = [
          {
            role: "user",
            content: input.prompt,
            ...(files.length > 0 ? { files: result.files } : {}),
            at: now,
          },
          {
            role: "assistant",
            content: response.text,
            provider: target.provider,
            model: target.model,
            at: now,
          },
        ];
        await context.conversations.record(thread, turns);
        // The answer is in the structured content too: Claude Code hands a model only that, when present.
        return textResult(response.text, {
          answer: response.text,
          continuation_id: thread.id,
          provider: target.provider,
          model: target.model,
          usage: response.usage ?? null,
          fallbacks: describeFallbacks(result.fallbacks),
        });
      }),
  );
}

type ModelChoice = Pick<ChatInput, "model" | "provider">;

/**
 * The model asked for; else the thread's last one, so a continued thread stays with its model; else
 * the main model of the first provider (of those the caller's key may use) that has a key.
 */
export function modelChoice(
  context: ToolContext,
  model: string | undefined,
  thread: OpenThread,
): ModelChoice {
  if (model !== undefined) return { model };
  const last = thread.turns.findLast((turn) => turn.provider !== undefined && turn.model !== undefined);
  if (last?.provider !== undefined && last.model !== undefined)
    return { model: `${last.provider}/${last.model}` };
  const ids = providerIds(context.config).filter((id) => allowsProvider(context.access, id));
  const withKey = ids.find((id) =>
    findCredential(resolveProvider(context.config, id), context.paths, context.hostEnv),
  );
  return { provider: withKey ?? ids[0] ?? "anthropic" };
}

export function describeFallbacks(
  fallbacks: readonly FallbackAttempt[],
): { provider: string; reason: string }[] {
  return fallbacks.map((attempt) => ({
    provider: attempt.provider,
    reason: `${attempt.kind}: ${attempt.message}`,
  }));
}
