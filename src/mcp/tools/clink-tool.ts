// `clink`: runs a mode's assistant CLI non-interactively (`<mode> -p PROMPT`) exactly as
// `ai-orchestrator <mode>` would: the same runtime choice, sandbox and single credential, in the
// workspace the server was started in. A timeout or a cancellation ends its whole process group.
import type { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { checkProvider } from "../../auth/provider-access.ts";
import { AppError } from "../../errors.ts";
import { resolveMode } from "../../modes/registry.ts";
import { prepareLaunch } from "../../runtimes/prepare-launch.ts";
import { progressOf } from "../progress.ts";
import { checkPromptSize, type ToolContext } from "../tool-context.ts";
import { guarded, textResult, toolError } from "../tool-result.ts";

export const clinkInput = z.object({
  mode: z.string().min(1).describe("claude, gemini, glm, kimi, or a mode from config.yaml."),
  prompt: z.string().min(1),
  timeout_s: z.number().int().min(1).max(86_400).optional(),
});

const HEARTBEAT_MS = 5000;

export function registerClinkTool(server: McpServer, context: ToolContext): void {
  server.registerTool(
    "clink",
    {
      description:
        "Run an assistant CLI (a mode: glm, kimi, gemini, claude) on a task in this workspace, in its own sandbox, and return its output.",
      inputSchema: clinkInput,
    },
    (input, request) =>
      guarded(context.logger, "clink", async () => {
        checkPromptSize(context, input.prompt);
        const mode = resolveMode(context.config, input.mode);
        // The mode's CLI is handed its provider's key (or a hub session for it): the caller's key must reach it.
        checkProvider(context.access, mode.provider.id);
        const { spec, runtime } = await prepareLaunch(
          {
            paths: context.paths,
            runtime: context.runtime,
            workspace: context.workspace,
            hostEnv: context.hostEnv,
            onWarning: (line) => context.logger.warn({ mode: mode.name }, line),
          },
          context.config,
          mode,
          ["-p", input.prompt],
        );
        const timeoutSeconds = input.timeout_s ?? context.config.mcp.clink.timeoutSeconds;
        const timeout = AbortSignal.timeout(timeoutSeconds * 1000);
        const signal = AbortSignal.any([request.mcpReq.signal, timeout]);
        const progress = progressOf(request);
        const started = Date.now();
        progress.report(`${mode.name}: started under ${runtime.name}`, true);
        const heartbeat = setInterval(() => {
          progress.report(`${mode.name}: running for ${Math.round((Date.now() - started) / 1000)} s`, true);
        }, HEARTBEAT_MS);
        let result: Awaited<ReturnType<typeof runtime.run>>;
        try {
          result = await runtime.run(spec, { stdio: "pipe", signal });
        } finally {
          clearInterval(heartbeat);
        }
        const limit = context.config.mcp.clink.maxOutputChars;
        const output = shorten((result.stdout ?? "").trim(), limit);
        if (timeout.aborted) {
          return toolError(
            `clink ${mode.name}: timed out after ${timeoutSeconds} s and was stopped (its whole process group); give a larger timeout_s for longer tasks${partial(output)}`,
          );
        }
        if (request.mcpReq.signal.aborted) throw new AppError("usage", `clink ${mode.name}: cancelled`);
        if (result.exitCode !== 0) {
          const errors = shorten((result.stderr ?? "").trim(), limit);
          return toolError(
            `clink ${mode.name}: the ${spec.cli} CLI exited with ${result.exitCode}${errors ? `:\n${errors}` : ""}${partial(output)}`,
          );
        }
        return textResult(output, {
          output,
          mode: mode.name,
          runtime: runtime.name,
          exit_code: result.exitCode,
        });
      }),
  );
}

function partial(output: string): string {
  return output === "" ? "" : `\n\nOutput so far:\n${output}`;
}

/** Keeps the start and the end, where a CLI's answer and its summary usually are, and says what was cut. */
export function shorten(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const keep = Math.max(0, limit - 120);
  const head = text.slice(0, Math.ceil(keep / 2));
  const tail = text.slice(text.length - Math.floor(keep / 2));
  const cut = text.length - head.length - tail.length;
  return `${head}\n\n[… ${cut} of ${text.length} characters cut from the middle (mcp.clink.maxOutputChars is ${limit}) …]\n\n${tail}`;
}
