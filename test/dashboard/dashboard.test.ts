// The dashboard over HTTP on a real socket: nothing without a session, sign-in and its cookie,
// read-only and admin keys, cross-site and token-less posts refused, sign-out and revocation ending
// the session, the live feed, and pages that load nothing from elsewhere.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Scope } from "../../src/auth/scopes.ts";
import { pick } from "../support/hub.ts";
import { removeScratch } from "../support/scratch.ts";
import { type DashboardWorld, startDashboardWorld } from "./support.ts";

let world: DashboardWorld;

before(async () => {
  world = await startDashboardWorld({ liveIntervalMs: 100 });
});
after(async () => {
  await world.close();
});

const createKey = (name: string, scopes: Scope[]): Promise<string> => world.createKey(name, scopes);

const get = (path: string, cookie?: string): Promise<Response> =>
  fetch(`${world.origin}${path}`, { redirect: "manual", headers: cookie ? { cookie } : {} });

function post(
  path: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${world.origin}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: world.origin, ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

/** Signs in with the key; returns the cookie header to send and the page's form token. */
async function signIn(key: string): Promise<{ cookie: string; csrf: string }> {
  const response = await post("/ui/sign-in", { key });
  assert.equal(response.status, 303, await response.text());
  const setCookie = response.headers.get("set-cookie") ?? "";
  const cookie = setCookie.split(";")[0] ?? "";
  const page = await (await get("/ui/providers", cookie)).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
  assert.ok(csrf, "a signed-in page carries the form token");
  return { cookie, csrf };
}

describe("dashboard sessions", () => {
  it("redirects every page to sign-in without a session, keeping where it was going", async () => {
    for (const path of [
      "/ui",
      "/ui/providers",
      "/ui/traffic?provider=zai",
      "/ui/keys",
      "/ui/files",
      "/ui/audit",
    ]) {
      const response = await get(path);
      assert.equal(response.status, 303, path);
      const location = response.headers.get("location") ?? "";
      assert.match(location, /^\/ui\/sign-in/, path);
      if (path !== "/ui") assert.equal(new URL(location, world.origin).searchParams.get("next"), path);
    }
    assert.equal((await get("/ui/events?page=providers")).status, 401);
    assert.equal((await get("/ui/providers", "aio_dashboard=made-up-session")).status, 303);
    const signIn = await get("/ui/sign-in");
    assert.equal(signIn.status, 200);
    assert.match(await signIn.text(), /<label for="key">Hub key<\/label>/);
  });

  it("signs in with an admin key into an HttpOnly, SameSite=Strict cookie that is not the key", async () => {
    const key = await createKey("cookie-admin", ["admin"]);
    const response = await post("/ui/sign-in", { key, next: "/ui/keys" });
    assert.equal(response.status, 303);
    assert.equal(response.headers.get("location"), "/ui/keys");
    const setCookie = response.headers.get("set-cookie") ?? "";
    assert.match(setCookie, /^aio_dashboard=[A-Za-z0-9_-]{40,};/);
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    assert.match(setCookie, /Path=\/ui/);
    assert.ok(
      !setCookie.includes(key) && !setCookie.includes(key.slice(4, 20)),
      "the key is not in the cookie",
    );
    const page = await get("/ui/keys", setCookie.split(";")[0]);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Signed in as <strong>cookie-admin<\/strong>/);
  });

  it("refuses a wrong key and a key without the admin or dashboard scope, saying why", async () => {
    const wrong = await post("/ui/sign-in", { key: "aio_not-a-key-at-all" });
    assert.equal(wrong.status, 401);
    assert.match(await wrong.text(), /not a hub key|unknown hub key/);
    const chatOnly = await createKey("chat-only", ["chat"]);
    const refused = await post("/ui/sign-in", { key: chatOnly });
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /needs admin or dashboard/);
    assert.equal(refused.headers.get("set-cookie"), null);
  });

  it("does not send anyone elsewhere after sign-in (no open redirect)", async () => {
    const key = await createKey("redirect-check", ["dashboard"]);
    for (const next of ["https://evil.example/", "//evil.example/ui/", "/elsewhere"]) {
      const response = await post("/ui/sign-in", { key, next });
      assert.equal(response.headers.get("location"), "/ui/providers", next);
    }
  });

  it("lets a dashboard key look but not change anything", async () => {
    const { cookie, csrf } = await signIn(await createKey("viewer", ["dashboard"]));
    const providers = await (await get("/ui/providers", cookie)).text();
    assert.match(providers, /read-only/);
    assert.doesNotMatch(providers, /\/reset"/);
    const keysPage = await (await get("/ui/keys", cookie)).text();
    assert.doesNotMatch(keysPage, /Create a key/);
    const reset = await post("/ui/providers/zai/reset", { csrf }, { cookie });
    assert.equal(reset.status, 403);
    assert.match(await reset.text(), /needs a key with the admin scope/);
    const create = await post(
      "/ui/keys",
      { csrf, name: "sneaky", scopes: "admin", expires: "never" },
      { cookie },
    );
    assert.equal(create.status, 403);
    assert.ok(!(await world.keys.list()).some((key) => key.name === "sneaky"));
  });

  it("refuses a form posted from another origin, and one without the page's token", async () => {
    const { cookie, csrf } = await signIn(await createKey("csrf-admin", ["admin"]));
    const crossSite = await post(
      "/ui/keys",
      { csrf, name: "from-evil", scopes: "admin", expires: "never" },
      { cookie, origin: "http://evil.example", "sec-fetch-site": "cross-site" },
    );
    assert.equal(crossSite.status, 403);
    assert.match(await crossSite.text(), /sent from another site/);
    const noToken = await post(
      "/ui/keys",
      { name: "no-token", scopes: "admin", expires: "never" },
      { cookie },
    );
    assert.equal(noToken.status, 403);
    const names = (await world.keys.list()).map((key) => key.name);
    assert.ok(!names.includes("from-evil") && !names.includes("no-token"));
    const sameSite = await post(
      "/ui/keys",
      { csrf, name: "legit", scopes: "chat", expires: "7d" },
      { cookie },
    );
    assert.equal(sameSite.status, 200);
    const body = await sameSite.text();
    const shown = /id="created-key" readonly value="([^"]+)"/.exec(body)?.[1];
    assert.ok(shown?.startsWith("aio_"), "the new key is shown once");
    assert.equal(
      (await (await get("/ui/keys", cookie)).text()).includes(shown ?? ""),
      false,
      "and never again",
    );
  });

  it("refuses a key for a provider that is not configured, as `keys create` does, and creates none", async () => {
    const { cookie, csrf } = await signIn(await createKey("providers-admin", ["admin"]));
    const refused = await post(
      "/ui/keys",
      { csrf, name: "typo-provider", scopes: "chat", providers: "nope", expires: "never" },
      { cookie },
    );
    assert.equal(refused.status, 400);
    assert.match(await refused.text(), /providers: unknown provider &quot;nope&quot;; known providers: /);
    assert.ok(!(await world.keys.list()).some((key) => key.name === "typo-provider"));
  });

  it("ends the session on sign-out, and when its key is revoked", async () => {
    const key = await createKey("leaver", ["admin"]);
    const first = await signIn(key);
    const out = await post("/ui/sign-out", { csrf: first.csrf }, { cookie: first.cookie });
    assert.equal(out.status, 303);
    assert.match(out.headers.get("set-cookie") ?? "", /aio_dashboard=;/);
    assert.equal((await get("/ui/providers", first.cookie)).status, 303);

    const second = await signIn(key);
    const other = await signIn(await createKey("revoker", ["admin"]));
    const id = (await world.keys.list()).find((entry) => entry.name === "leaver")?.id ?? "";
    const revoked = await post(`/ui/keys/${id}/revoke`, { csrf: other.csrf }, { cookie: other.cookie });
    assert.equal(revoked.status, 303);
    assert.equal((await get("/ui/providers", second.cookie)).status, 303, "the revoked key's session ended");
    assert.equal((await get("/ui/providers", other.cookie)).status, 200);
  });

  it("serves pages that load nothing from elsewhere, under a strict content security policy", async () => {
    const { cookie } = await signIn(await createKey("csp-check", ["admin"]));
    for (const path of ["/ui/providers", "/ui/traffic", "/ui/keys", "/ui/files", "/ui/audit"]) {
      const response = await get(path, cookie);
      assert.equal(response.status, 200, path);
      assert.match(
        response.headers.get("content-security-policy") ?? "",
        /default-src 'none'; script-src 'self'/,
      );
      assert.equal(response.headers.get("cache-control"), "no-store");
      const text = await response.text();
      assert.doesNotMatch(text, /(src|href)="(https?:)?\/\//, `${path} references another origin`);
    }
  });

  it("lists the file registry across providers, and verifies it for an admin", async () => {
    const folder = mkdtempSync(join(tmpdir(), "aio-dashboard-files-"));
    const path = join(folder, "notes.txt");
    writeFileSync(path, "what the dashboard should list\n");
    const uploaded = await world.files.upload({
      paths: [path],
      providers: ["zai", "moonshot"],
      actor: "cli:test",
    });
    removeScratch(folder);
    const { cookie, csrf } = await signIn(await createKey("librarian", ["admin"]));
    const page = await (await get("/ui/files", cookie)).text();
    assert.match(page, /<th scope="row">notes\.txt<\/th>/);
    assert.match(page, /zai<\/span> <span class="good">active/);
    assert.match(page, /moonshot<\/span> <span class="good">active/);
    // A copy removed behind the hub's back is found missing by verify.
    const zaiCopy = uploaded.find((result) => result.provider === "zai");
    assert.ok(zaiCopy);
    await world.hub.providers.client("zai").files.delete(zaiCopy.remoteId);
    const verify = await post("/ui/files/verify", { csrf }, { cookie });
    assert.equal(verify.status, 303);
    const after = await (await get("/ui/files", cookie)).text();
    assert.match(after, /Verified: 2 copies on 2 providers: 1 active, 1 missing\./);
    assert.match(after, /zai<\/span> <span class="bad">missing/);
    const viewer = await signIn(await createKey("file-viewer", ["dashboard"]));
    assert.doesNotMatch(await (await get("/ui/files", viewer.cookie)).text(), /Verify copies/);
    assert.equal(
      (await post("/ui/files/sync", { csrf: viewer.csrf }, { cookie: viewer.cookie })).status,
      403,
    );
  });

  it("sends the Traffic page's table whole once, then only the new rows", async () => {
    const { cookie } = await signIn(await createKey("rows-watcher", ["dashboard"]));
    const response = await fetch(`${world.origin}/ui/events?page=traffic&key=rows-client`, {
      headers: { cookie },
    });
    const reader = response.body?.getReader();
    assert.ok(reader);
    const decoder = new TextDecoder();
    let seen = "";
    const nextEvent = async (name: string): Promise<{ id: string; html: string; keep?: number }> => {
      for (;;) {
        const match = new RegExp(`event: ${name}\\ndata: (.*)\\n\\n`).exec(seen);
        if (match?.[1] !== undefined) {
          seen = seen.slice((match.index ?? 0) + match[0].length);
          return JSON.parse(match[1]);
        }
        const chunk = await reader.read();
        if (chunk.done) assert.fail(`the feed ended before a ${name} event`);
        seen += decoder.decode(chunk.value);
      }
    };
    const request = (model: string) => ({
      at: Date.now(),
      key: "rows-client",
      dialect: "anthropic",
      model,
      provider: "anthropic",
      fallbacks: [],
      status: 200,
      latencyMs: 12,
      tokensIn: 3,
      tokensOut: 4,
    });
    const table = async (): Promise<string> => {
      for (;;) {
        const update = await nextEvent("fragment");
        if (update.id === "traffic-table") return update.html;
      }
    };
    assert.match(await table(), /No requests match|<table/);
    world.traffic.record(request("first-model"));
    world.traffic.record({ ...request("someone-elses"), key: "other-client" });
    assert.match(await table(), /<tbody>[\s\S]*first-model/);
    world.traffic.record(request("second-model"));
    const rows = await nextEvent("rows");
    assert.equal(rows.id, "traffic-table");
    assert.equal(rows.keep, 100);
    assert.match(rows.html, /^\s*<tr data-seq="\d+">[\s\S]*second-model/);
    assert.doesNotMatch(rows.html, /first-model|someone-elses|<table/);
    await reader.cancel();
  });

  it("pushes a provider's circuit opening to the live feed", async () => {
    const { cookie } = await signIn(await createKey("feed-watcher", ["dashboard"]));
    const response = await fetch(`${world.origin}/ui/events?page=providers`, { headers: { cookie } });
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /text\/event-stream/);
    const reader = response.body?.getReader();
    assert.ok(reader);
    const decoder = new TextDecoder();
    let seen = "";
    const until = async (pattern: RegExp): Promise<void> => {
      while (!pattern.test(seen)) {
        const chunk = await reader.read();
        if (chunk.done) assert.fail(`the feed ended before ${pattern}`);
        seen += decoder.decode(chunk.value);
      }
    };
    await until(/data-provider=\\"zai\\" data-breaker=\\"closed\\"/);
    world.simulators.faults.inject("zai", { kind: "status", status: 503 });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      await world.hub.chat.chat({ provider: "zai", prompt: "hello" }).catch(() => undefined);
    }
    await until(/data-provider=\\"zai\\" data-breaker=\\"open\\"/);
    world.simulators.faults.clear();
    await world.hub.resilience.reset("zai");
    await reader.cancel();
  });
});

describe("the sandbox sessions panel", () => {
  it("lists a live hub-routed session with its mode, runtime, requests and provider, and drops it once revoked", async () => {
    const { cookie } = await signIn(await createKey("session-watcher", ["dashboard"]));
    const session = await world.keys.create(
      { name: "session-glm-bwrap-0a1b2c3d", kind: "session", mode: "glm", ttlMs: 60_000 },
      "cli:test",
    );
    const chat = await fetch(`${world.origin}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${session.key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "glm-4.6", messages: [{ role: "user", content: "hello" }] }),
    });
    assert.equal(chat.status, 200, await chat.clone().text());
    const usage = pick(await chat.json(), "usage");

    const page = await (await get("/ui/audit", cookie)).text();
    const row =
      /<tr><th scope="row"><code>([^<]+)<\/code><\/th><td>glm<\/td><td>bwrap<\/td>\s*<td>1<\/td><td>(\d+)<\/td><td>(\d+)<\/td><td>zai<\/td>/.exec(
        page,
      );
    assert.ok(row, "the session's row shows mode glm, runtime bwrap, 1 request, its tokens, answered by zai");
    assert.equal(row[1], session.info.prefix);
    assert.deepEqual(
      [Number(row[2]), Number(row[3])],
      [pick(usage, "prompt_tokens"), pick(usage, "completion_tokens")],
      "the tokens the answer reported",
    );

    await world.keys.revoke(session.info.id, "cli:test");
    const after = await (await get("/ui/audit", cookie)).text();
    // The audit entries below still name the key (its revocation); the sessions panel no longer does.
    assert.doesNotMatch(after, new RegExp(`<th scope="row"><code>${session.info.prefix}</code></th><td>glm`));
    assert.match(after, /No sandbox session is running/);
  });
});
