// `ask "prompt"`: one chat turn, the answer streamed to stdout as it arrives. A thin adapter over the
// hub's chat service, which routes the model, falls back and attaches files (through the file
// registry in the store, so a file is uploaded once per provider); `--json` prints one object.
import { type Command, InvalidArgumentError } from "commander";
import { storeUrl } from "../config/shared-state.ts";
import { AppError } from "../errors.ts";
import { inspectLocalFile } from "../files/local-file.ts";
import type { ChatResult } from "../gateway/chat-service.ts";
import { createHub } from "../hub/hub.ts";
import { createLogger } from "../observability/logger.ts";
import { isProviderError, type ProviderError } from "../providers/errors.ts";
import {
  CircuitOpenError,
  FallbackExhaustedError,
  isResilienceError,
  type ResilienceError,
} from "../resilience/errors.ts";
import { openStore } from "../store/store.ts";
import { cliContext } from "./context.ts";
import { showWait } from "./progress.ts";
import { cliActor } from "./store-context.ts";

interface AskOptions {
  provider?: string;
  model?: string;
  file: string[];
  system?: string;
  maxTokens?: number;
  json?: boolean;
}

export function registerAskCommand(program: Command): void {
  program
    .command("ask")
    .description("send one prompt to a model or provider and stream the answer to stdout")
    .option("--provider <id>", "provider id: anthropic, google, zai, moonshot, or one from config")
    .option(
      "--model <model>",
      "model to ask: provider/model, an alias from gateway.models, or a name like glm-4.6 (with --provider: that provider's model; default: its main model)",
    )
    .option(
      "--file <path>",
      "attach a file (repeatable)",
      (path: string, previous: string[]) => [...previous, path],
      [],
    )
    .option("--system <text>", "system prompt")
    .option("--max-tokens <n>", "longest answer, in tokens", parsePositiveInteger)
    .option("--json", "print one JSON object instead of streaming text")
    .argument("<prompt>", "what to ask")
    .action(async (prompt: string, options: AskOptions, command: Command) => {
      await runAsk(prompt, options, command);
    });
}

async function runAsk(prompt: string, options: AskOptions, command: Command): Promise<void> {
  if (options.provider === undefined && options.model === undefined) {
    throw new AppError("usage", "ask needs --model <model> or --provider <id>");
  }
  if (prompt.trim() === "") {
    throw new AppError(
      "usage",
      'the prompt is empty: say what to ask, e.g. ask --provider zai "explain this error"',
    );
  }
  const context = cliContext(command);
  const { config } = context.config();
  // A one-shot command says itself what matters (each fallback, the final error) in plain lines; the
  // policy layer's operational warnings (a circuit opening, Redis going away) are JSON for a server's
  // logs, so here they appear only when AI_ORCHESTRATOR_LOG_LEVEL asks for them.
  const logger = createLogger({ level: process.env.AI_ORCHESTRATOR_LOG_LEVEL ? undefined : "error" });
  // The store holds the file registry; a question without files does not open it, and a file that
  // cannot be sent fails here, before the store is opened (or, in a new home, created).
  const files = options.file.map((path) => ({ path, label: `--file ${path}` }));
  for (const file of files) await inspectLocalFile(file.path, file.label);
  const store =
    options.file.length === 0
      ? undefined
      : await openStore({ url: storeUrl(config, context.paths), paths: context.paths, logger });
  const hub = createHub({ config, paths: context.paths, logger, store });
  let wroteText = false;
  // Until the first byte of the answer, a terminal shows that ask is waiting; the provider's policy
  // ends the wait at its first-byte deadline with its own one-line error.
  const stopWaiting = showWait({ label: "waiting for the first byte of the answer" });
  try {
    const result = await hub.chat.chat({
      ...(options.provider === undefined ? {} : { provider: options.provider }),
      ...(options.model === undefined ? {} : { model: options.model }),
      prompt,
      ...(options.system === undefined ? {} : { system: options.system }),
      files,
      actor: cliActor(),
      ...(options.maxTokens === undefined ? {} : { maxOutputTokens: options.maxTokens }),
      ...(options.json
        ? {}
        : {
            onEvent: (event, stream) => {
              if (event.type !== "text-delta") return;
              stopWaiting();
              process.stdout.write(event.text);
              wroteText = true;
              stream.delivered();
            },
          }),
    });
    stopWaiting();
    if (options.json) {
      process.stdout.write(`${JSON.stringify(askResult(result))}\n`);
      return;
    }
    if (wroteText && !result.response.text.endsWith("\n")) process.stdout.write("\n");
    for (const fallback of result.fallbacks) {
      process.stderr.write(
        `ai-orchestrator: ${fallback.provider} failed (${fallback.message}); tried the next provider\n`,
      );
    }
    if (result.fallbacks.length > 0)
      process.stderr.write(`ai-orchestrator: answered by ${result.target.provider}\n`);
  } catch (error) {
    stopWaiting();
    if (!isProviderError(error) && !isResilienceError(error)) throw error;
    if (wroteText) process.stdout.write("\n");
    if (!options.json) throw error;
    const summary = isProviderError(error) ? errorSummary(error) : policyErrorSummary(error);
    process.stdout.write(`${JSON.stringify({ error: summary })}\n`);
    process.exitCode = 1;
  } finally {
    await hub.close();
  }
}

/** The `--json` object of an answer. */
function askResult(result: ChatResult): Record<string, unknown> {
  const { response } = result;
  return {
    provider: response.provider,
    model: response.model,
    text: response.text,
    ...(response.reasoning === undefined ? {} : { reasoning: response.reasoning }),
    finishReason: response.finishReason,
    usage: response.usage ?? null,
    ...(result.files.length === 0 ? {} : { files: result.files }),
    ...(result.fallbacks.length === 0 ? {} : { fallbacks: result.fallbacks }),
  };
}

function errorSummary(error: ProviderError): Record<string, unknown> {
  return {
    kind: error.kind,
    provider: error.provider,
    status: error.status ?? null,
    retryable: error.retryable,
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    message: error.message,
  };
}

/** The same JSON shape as a provider's error, for a refusal by the policy layer itself. */
function policyErrorSummary(error: ResilienceError): Record<string, unknown> {
  const lastAttempt = error instanceof FallbackExhaustedError ? error.attempts.at(-1) : undefined;
  const status =
    error instanceof CircuitOpenError
      ? error.lastFailure?.status
      : error instanceof FallbackExhaustedError && isProviderError(error.lastError)
        ? error.lastError.status
        : undefined;
  return {
    kind: error.kind,
    provider: error.provider ?? lastAttempt?.provider ?? null,
    status: status ?? null,
    retryable: false,
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    message: error.message,
  };
}

function parsePositiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0)
    throw new InvalidArgumentError("must be a positive whole number");
  return number;
}
