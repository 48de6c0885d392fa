// A tiny loopback HTTP server that answers the three dialects' routes by translation to one target
// (a real provider client against a simulator), so the official SDKs can read what the renderers
// write. It is test scaffolding, not the hub: no auth, no routing, one target.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { configSchema } from "../../../src/config/schema/index.ts";
import type { ProviderApi } from "../../../src/config/schema/providers.ts";
import { isAppError } from "../../../src/errors.ts";
import {
  type GeminiCall,
  parseDialectRequest,
  type TranslationTarget,
  translateRequest,
} from "../../../src/gateway/dialects/translate.ts";
import { type AnyProviderClient, createProviderClient } from "../../../src/providers/clients.ts";
import type { Dialect } from "../../../src/providers/definitions.ts";
import { resolveProvider } from "../../../src/providers/registry.ts";
import type { Simulators } from "../../../src/simulators/index.ts";

export const SIMULATOR_KEY = "sk-simulator-dialects-0001";

/** The model each translating server asks its provider for. */
export const TARGET_MODELS: Readonly<Record<ProviderApi, string>> = {
  anthropic: "claude-sonnet-4-5",
  google: "gemini-2.5-flash",
  zai: "glm-4.6",
  moonshot: "kimi-k2.5",
};

/** How each simulator names itself in its replies (`Simulated Z.ai reply to: …`). */
export const SIMULATOR_NAMES: Readonly<Record<ProviderApi, string>> = {
  anthropic: "Anthropic",
  google: "Gemini",
  zai: "Z.ai",
  moonshot: "Moonshot",
};

/** A real provider client pointed at the running simulator of `api`. */
export function simulatorClient(simulators: Simulators, api: ProviderApi): AnyProviderClient {
  const config = configSchema.parse({ providers: { [api]: { baseUrl: simulators.endpoints[api].baseUrl } } });
  return createProviderClient(resolveProvider(config, api), SIMULATOR_KEY);
}

export interface TranslatingServer {
  url: string;
  close(): Promise<void>;
}

export async function startTranslatingServer(target: TranslationTarget): Promise<TranslatingServer> {
  const server = createServer((request, response) => {
    handle(request, response, target).catch((error: unknown) => {
      if (!response.headersSent) {
        const status = isAppError(error) ? error.status : 500;
        response.writeHead(status, { "content-type": "application/json" });
      }
      response.end(
        JSON.stringify({ error: { message: error instanceof Error ? error.message : String(error) } }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the server has no TCP address");
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function routeOf(url: URL): { dialect: Dialect; gemini?: GeminiCall } | undefined {
  if (url.pathname === "/v1/messages") return { dialect: "anthropic" };
  if (url.pathname === "/v1/chat/completions") return { dialect: "openai" };
  const gemini = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/.exec(url.pathname);
  if (gemini) {
    return {
      dialect: "gemini",
      gemini: {
        model: decodeURIComponent(gemini[1] ?? ""),
        stream: gemini[2] === "streamGenerateContent",
        sse: url.searchParams.get("alt") === "sse",
      },
    };
  }
  return undefined;
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  target: TranslationTarget,
): Promise<void> {
  const route = routeOf(new URL(request.url ?? "/", "http://localhost"));
  if (request.method !== "POST" || route === undefined) {
    response.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(Buffer.from(chunk));
  const body: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const parsed = parseDialectRequest(route.dialect, body, route.gemini);
  const controller = new AbortController();
  response.on("close", () => controller.abort());
  const answer = await translateRequest(parsed, target, {
    reportedModel: parsed.chat.model,
    signal: controller.signal,
  });
  if (answer.kind === "json") {
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify(answer.body));
    return;
  }
  response.writeHead(200, { "content-type": answer.contentType, "cache-control": "no-cache" });
  for await (const frame of answer.frames) {
    if (!response.write(frame)) await new Promise((resolve) => response.once("drain", resolve));
  }
  response.end();
}
