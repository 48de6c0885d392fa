// `consensus`: the same question to several models at once. Each answer or its error is reported on
// its own, so one provider failing never fails the call; a chosen model may then weigh the answers.
import type { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { ChatUsage } from "../../providers/chat.ts";
import { threadMessages } from "../conversations.ts";
import { progressOf } from "../progress.ts";
import { checkPromptSize, type ToolContext } from "../tool-context.ts";
import { describeFailure, guarded, textResult, toolError } from "../tool-result.ts";
import { describeFallbacks, promptText } from "./chat-tool.ts";

export const consensusInput = z.object({
  prompt: promptText,
  models: z.array(z.string().min(1)).min(2).max(8).describe("2-8 models, asked in parallel."),
  continuation_id: z.string().min(1).max(200).optional(),
  synthesis_model: z.string().min(1).optional().describe("Model that weighs the answers into one."),
});

interface Opinion {
  model: string;
  provider?: string;
  answered_by?: string;
  text?: string;
  error?: string;
  usage?: ChatUsage | null;
  fallbacks?: { provider: string; reason: string }[];
}

export function registerConsensusTool(server: McpServer, context: ToolContext): void {
  server.registerTool(
    "consensus",
    {
      description:
        "Ask several models the same question in parallel; each answer (or its error) is returned, optionally weighed into one by synthesis_model.",
      inputSchema: consensusInput,
    },
    (input, request) =>
      guarded(context.logger, "consensus", async () => {
        checkPromptSize(context, input.prompt);
        const thread = await context.conversations.openFor(input.continuation_id, input.prompt);
        const history = threadMessages(thread.turns);
        const signal = request.mcpReq.signal;
        const progress = progressOf(request);
        let settled = 0;
        const opinions = await Promise.all(
          input.models.map(async (model): Promise<Opinion> => {
            try {
              const result = await context.chat.chat({
                model,
                messages: history,
                prompt: input.prompt,
                signal,
                access: context.access,
              });
              return {
                model,
                answered_by: `${result.target.provider}/${result.target.model}`,
                text: result.response.text,
                usage: result.response.usage ?? null,
                fallbacks: describeFallbacks(result.fallbacks),
              };
            } catch (error) {
              if (signal.aborted) throw error;
              return { model, error: describeFailure(error, context.logger, "consensus") };
            } finally {
              settled += 1;
              progress.report(`${settled} of ${input.models.length} models answered`, true);
            }
          }),
        );
        const answered = opinions.filter((opinion) => opinion.text !== undefined);
        if (answered.length === 0) {
          return toolError(
            `every model failed:\n${opinions.map((opinion) => `- ${opinion.model}: ${opinion.error}`).join("\n")}`,
          );
        }

        let synthesis: Opinion | undefined;
        if (input.synthesis_model !== undefined) {
          progress.report(`weighing the answers with ${input.synthesis_model}`, true);
          try {
            const result = await context.chat.chat({
              model: input.synthesis_model,
              messages: history,
              prompt: synthesisPrompt(input.prompt, answered),
              signal,
              access: context.access,
            });
            synthesis = {
              model: input.synthesis_model,
              answered_by: `${result.target.provider}/${result.target.model}`,
              text: result.response.text,
            };
          } catch (error) {
            if (signal.aborted) throw error;
            synthesis = {
              model: input.synthesis_model,
              error: describeFailure(error, context.logger, "consensus"),
            };
          }
        }

        const report = renderReport(opinions, synthesis);
        await context.conversations.record(thread, [
          { role: "user", content: input.prompt, at: Date.now() },
          { role: "assistant", content: report, at: Date.now() },
        ]);
        return textResult(report, {
          report,
          continuation_id: thread.id,
          answers: opinions,
          ...(synthesis ? { synthesis } : {}),
        });
      }),
  );
}

function synthesisPrompt(prompt: string, answered: readonly Opinion[]): string {
  const answers = answered.map((opinion) => `## ${opinion.answered_by}\n${opinion.text}`).join("\n\n");
  return `Several models answered this question:\n\n${prompt}\n\n${answers}\n\nWeigh their answers: where they agree, where they differ and why, and give the best answer.`;
}

function renderReport(opinions: readonly Opinion[], synthesis: Opinion | undefined): string {
  const sections = opinions.map((opinion) =>
    opinion.text !== undefined
      ? `## ${opinion.answered_by}\n${opinion.text}`
      : `## ${opinion.model} (failed)\n${opinion.error}`,
  );
  if (synthesis) {
    sections.push(
      synthesis.text !== undefined
        ? `## Synthesis by ${synthesis.answered_by}\n${synthesis.text}`
        : `## Synthesis by ${synthesis.model} (failed)\n${synthesis.error}`,
    );
  }
  return sections.join("\n\n");
}
