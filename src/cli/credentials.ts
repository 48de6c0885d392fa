// `login <provider>` and `logout <provider>`: store or remove a provider key in a 0600 file under
// $AI_ORCHESTRATOR_HOME/secrets. The key is read from stdin (hidden when typed), never from argv.
import { chmodSync, mkdirSync } from "node:fs";
import type { Command } from "commander";
import type { Config } from "../config/schema/index.ts";
import { AppError } from "../errors.ts";
import { modeNames, resolveMode } from "../modes/registry.ts";
import { removeSecret, writeSecret } from "../providers/credentials.ts";
import { type ResolvedProvider, resolveProvider } from "../providers/registry.ts";
import { cliContext, print } from "./context.ts";

/** No provider key comes near this; a longer input is a pasted file, not a key. */
const MAX_KEY_LENGTH = 4096;

export function registerCredentialCommands(program: Command): void {
  program
    .command("login <provider>")
    .description("store a provider's API key (read from stdin; hidden when typed) in a 0600 file")
    .action(async (providerId: string, _options, command: Command) => {
      const context = cliContext(command);
      const { config } = context.config();
      const provider = resolveProvider(config, providerId);

      const input = process.stdin.isTTY
        ? await readHiddenLine(`${provider.displayName} API key for ${provider.id} (input hidden): `)
        : await readAll(process.stdin);
      const key = validateKey(input, provider);

      mkdirSync(context.paths.home, { recursive: true, mode: 0o700 });
      chmodSync(context.paths.home, 0o700);
      const path = writeSecret(context.paths, provider.secretName, key);
      const modes = modesUsing(config, provider.id);
      print(
        `Saved the ${provider.id} key in ${path} (mode 0600)${modes.length > 0 ? `; used by mode${modes.length > 1 ? "s" : ""} ${modes.join(", ")}` : ""}.`,
      );
      const shadowing = provider.credentialEnv.find((name) => process.env[name]?.trim());
      if (shadowing) {
        print(
          `Note: ${shadowing} is set in this shell and takes precedence over the file; unset it to use the file.`,
        );
      }
    });

  program
    .command("logout <provider>")
    .description("remove a provider's stored API key")
    .action((providerId: string, _options, command: Command) => {
      const context = cliContext(command);
      const provider = resolveProvider(context.config().config, providerId);
      print(
        removeSecret(context.paths, provider.secretName)
          ? `Removed the stored ${provider.id} key.`
          : `No stored ${provider.id} key; nothing to remove.`,
      );
      const remaining = provider.credentialEnv.find((name) => process.env[name]?.trim());
      if (remaining)
        print(`Note: ${remaining} is still set in this shell, so ${provider.id} modes still get a key.`);
    });
}

function validateKey(input: string, provider: ResolvedProvider): string {
  const key = input.trim();
  if (!key) {
    throw new AppError(
      "usage",
      `no key given: type it at the prompt, or pipe it in (\`ai-orchestrator login ${provider.id} < key-file\`)`,
    );
  }
  if (key.length > MAX_KEY_LENGTH) {
    throw new AppError(
      "usage",
      `the input is ${key.length} characters long, too long for an API key: give just the key`,
    );
  }
  if (/\s/.test(key)) {
    throw new AppError("usage", "the key contains spaces or line breaks: give just the key, on one line");
  }
  return key;
}

function modesUsing(config: Config, providerId: string): string[] {
  return modeNames(config).filter((name) => {
    try {
      return resolveMode(config, name).provider.id === providerId;
    } catch {
      // A mode with a configuration problem uses nothing yet; `config check` reports it.
      return false;
    }
  });
}

async function readAll(stream: NodeJS.ReadStream): Promise<string> {
  let text = "";
  for await (const chunk of stream) {
    text += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    if (text.length > MAX_KEY_LENGTH * 2) break;
  }
  return text;
}

/** Reads one line from the terminal in raw mode so the key is never echoed. */
function readHiddenLine(prompt: string): Promise<string> {
  const input = process.stdin;
  // Echo goes off before the prompt shows, so a key typed (or pasted) at once is never echoed.
  input.setRawMode(true);
  process.stderr.write(prompt);
  input.setEncoding("utf8");
  input.resume();
  return new Promise((resolve, reject) => {
    let value = "";
    const finish = (error?: AppError) => {
      input.off("data", onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write("\n");
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const character of chunk) {
        if (character === "\r" || character === "\n" || character === "\u0004") return finish();
        if (character === "\u0003")
          return finish(new AppError("usage", "login cancelled; nothing was stored"));
        if (character === "\u007f" || character === "\b") value = value.slice(0, -1);
        else if (character >= " ") value += character;
      }
    };
    input.on("data", onData);
  });
}
