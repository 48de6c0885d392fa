// MCP over Streamable HTTP at the hub's /mcp: stateless (a fresh server instance per request, so
// any replica answers any request and a restart strands no client), both protocol eras, a hub key
// with the `mcp` scope required, and the Origin header checked against DNS rebinding. The key that
// authorized a request owns the threads it starts, and sees no other key's.

import { realpathSync } from "node:fs";
import { createMcpHandler } from "@modelcontextprotocol/server";
import type { Env, Hono, MiddlewareHandler } from "hono";
import type { HubKeys } from "../auth/hub-keys.ts";
import type { ProviderAccess } from "../auth/provider-access.ts";
import { AppError, isAppError } from "../errors.ts";
import type { Logger } from "../observability/logger.ts";
import type { Store } from "../store/store.ts";
import { createMcpServerFactory, type McpServerFactory, type McpServerParts } from "./mcp-server.ts";

export interface McpHttpOptions {
  /**
   * Resolves, with the caller (who owns the threads it starts), when the request carries a valid hub
   * key with the `mcp` scope; otherwise throws AppError "unauthenticated" (answered 401) or
   * "forbidden" / "rate_limited" (403 / 429).
   */
  authorize(request: Request): Promise<McpCaller>;
  /** Browser origins allowed besides loopback ones (`mcp.allowedOrigins`), e.g. `https://tools.example.com`. */
  allowedOrigins?: readonly string[];
  logger: Logger;
}

/** Who sent a request, as the tools see it. */
export interface McpCaller {
  /** `key:<hub key id>`: stable for the key's life, unlike its name, and not the secret. */
  owner: string;
  scopes: readonly string[];
  /** The key's prefix and provider allow-list: the tools reach only those providers. */
  access: ProviderAccess;
}

export interface McpHttpEndpoint {
  fetch(request: Request): Promise<Response>;
  /** Ends the requests in flight. */
  close(): Promise<void>;
}

export const MCP_PATH = "/mcp";

export function createMcpHttpEndpoint(factory: McpServerFactory, options: McpHttpOptions): McpHttpEndpoint {
  const handler = createMcpHandler(factory, {
    legacy: "stateless",
    onerror: (error) => options.logger.debug({ err: error }, "MCP request refused"),
  });
  return {
    async fetch(request) {
      const origin = request.headers.get("origin");
      if (origin !== null && !originAllowed(origin, options.allowedOrigins ?? [])) {
        return rpcError(
          403,
          `origin ${origin} may not use this MCP endpoint; add it to mcp.allowedOrigins in the hub's config.yaml`,
        );
      }
      let caller: McpCaller;
      try {
        caller = await options.authorize(request);
      } catch (error) {
        if (isAppError(error)) return refusal(error);
        throw error;
      }
      // The SDK hands authInfo, as given, to the factory and the tools. The key itself stays out.
      return handler.fetch(request, {
        authInfo: {
          token: "",
          clientId: caller.owner,
          scopes: [...caller.scopes],
          extra: { access: caller.access },
        },
      });
    },
    close: () => handler.close(),
  };
}

/**
 * The check /mcp needs from the hub's keys: a key sent as `Authorization: Bearer KEY` (how MCP
 * clients send one), valid, with the `mcp` scope, and within its own rate.
 */
export function hubKeyCheck(
  keys: Pick<HubKeys, "authenticate" | "authorize" | "checkRate">,
): McpHttpOptions["authorize"] {
  return async (request) => {
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "")?.[1];
    if (presented === undefined) {
      throw new AppError(
        "unauthenticated",
        "no hub key: send one with the mcp scope as `Authorization: Bearer KEY` (create it with `ai-orchestrator keys create --name NAME --scopes mcp`)",
      );
    }
    const principal = await keys.authenticate(presented);
    keys.authorize(principal, "mcp");
    await keys.checkRate(principal);
    return {
      owner: `key:${principal.keyId}`,
      scopes: principal.scopes,
      access: { prefix: principal.prefix, providers: principal.providers },
    };
  };
}

/** Mounts the endpoint at /mcp of the hub's app (every method: POST, and GET/DELETE answered 405). */
export function mountMcp<E extends Env>(
  app: Hono<E>,
  endpoint: McpHttpEndpoint,
  before: MiddlewareHandler<E> = async (_context, next) => {
    await next();
  },
): void {
  app.all(MCP_PATH, before, (context) => endpoint.fetch(context.req.raw));
}

/**
 * /mcp on the hub's app: the tools over the hub's chat service and thread store, checked against
 * its keys; clink runs assistants in the directory the hub was started in.
 */
export function mountMcpOnHub<E extends Env>(
  app: Hono<E>,
  parts: HubMcpParts,
  before?: MiddlewareHandler<E>,
): McpHttpEndpoint {
  const endpoint = createHubMcpEndpoint(parts);
  mountMcp(app, endpoint, before);
  return endpoint;
}

export interface HubMcpParts {
  hub: McpServerParts["hub"];
  store: Pick<Store, "threads">;
  keys: HubKeys;
}

/** The hub's /mcp endpoint, unmounted (the hub's server loads and mounts it on first use). */
export function createHubMcpEndpoint(parts: HubMcpParts): McpHttpEndpoint {
  const factory = createMcpServerFactory({
    hub: parts.hub,
    threads: parts.store.threads,
    threadOwners: "hub-key",
    workspace: realpathSync(process.cwd()),
  });
  return createMcpHttpEndpoint(factory, {
    authorize: hubKeyCheck(parts.keys),
    allowedOrigins: parts.hub.config.mcp.allowedOrigins,
    logger: parts.hub.logger,
  });
}

function refusal(error: AppError): Response {
  if (error.kind === "unauthenticated") {
    return rpcError(401, error.message, {
      "www-authenticate": 'Bearer realm="ai-orchestrator", error="invalid_token"',
    });
  }
  const status = error.kind === "forbidden" || error.kind === "rate_limited" ? error.status : 403;
  const headers: Record<string, string> = {};
  if (error.retryAfterMs !== undefined) headers["retry-after"] = String(Math.ceil(error.retryAfterMs / 1000));
  return rpcError(status, error.message, headers);
}

function rpcError(status: number, message: string, headers: Record<string, string> = {}): Response {
  return Response.json({ jsonrpc: "2.0", error: { code: -32001, message }, id: null }, { status, headers });
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Loopback pages and the configured origins. Not "the Host header's own origin": under DNS
 * rebinding the attacker's page and the Host header name the same attacker domain.
 */
function originAllowed(origin: string, allowed: readonly string[]): boolean {
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (LOOPBACK.has(parsed.hostname)) return true;
  return allowed.includes(parsed.origin);
}
