// Managing a remote hub's keys over HTTP (scope `admin`): create, list and revoke, with the same
// JSON as `keys create|list --json`. Who did it is recorded in the audit trail as `key:<name>`.
import type { Hono, MiddlewareHandler } from "hono";
import { z } from "zod";
import { parseDuration } from "../auth/duration.ts";
import type { HubKeys } from "../auth/hub-keys.ts";
import { createdKeyJson, keyInfoJson } from "../auth/key-json.ts";
import { checkProviderIds } from "../auth/provider-access.ts";
import { SCOPES } from "../auth/scopes.ts";
import { AppError } from "../errors.ts";
import type { ServerEnv } from "./context.ts";
import { parseJsonObject, readBody } from "./request-body.ts";

const createKeyBody = z.strictObject({
  name: z.string().min(1),
  scopes: z.array(z.enum(SCOPES)).min(1).optional(),
  providers: z
    .array(z.string().regex(/^[a-z][a-z0-9-]{0,39}$/))
    .min(1)
    .optional(),
  expires: z.string().optional(),
  rpm: z.number().int().positive().optional(),
});

const ADMIN_BODY_LIMIT_BYTES = 64 * 1024;

export function mountAdminRoutes(
  app: Hono<ServerEnv>,
  keys: HubKeys,
  admin: MiddlewareHandler<ServerEnv>,
  named: (route: string) => MiddlewareHandler<ServerEnv>,
  /** The configured provider ids: a new key may list only these. */
  knownProviders: readonly string[],
): void {
  app.post("/admin/keys", named("/admin/keys"), admin, async (c) => {
    const parsed = createKeyBody.safeParse(parseJsonObject(c, await readBody(c, ADMIN_BODY_LIMIT_BYTES)));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AppError(
        "usage",
        `${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}; send {"name", "scopes"?, "providers"?, "expires"? (e.g. "30d"), "rpm"?}`,
      );
    }
    const { name, scopes, providers, expires, rpm } = parsed.data;
    if (providers !== undefined) checkProviderIds(providers, knownProviders, "providers");
    const created = await keys.create(
      {
        name,
        ...(scopes === undefined ? {} : { scopes }),
        providers,
        rpm,
        ttlMs: expires === undefined ? undefined : parseDuration(expires, "expires"),
      },
      actor(c.get("principal").name),
    );
    return c.json(createdKeyJson(created), 201);
  });

  app.get("/admin/keys", named("/admin/keys"), admin, async (c) => {
    const now = Date.now();
    return c.json((await keys.list()).map((key) => keyInfoJson(key, now)));
  });

  app.delete("/admin/keys/:key", named("/admin/keys/{key}"), admin, async (c) => {
    const { info, wasRevoked } = await keys.revoke(c.req.param("key"), actor(c.get("principal").name));
    return c.json({ ...keyInfoJson(info, Date.now()), wasRevoked });
  });
}

function actor(name: string): string {
  return `key:${name}`;
}
