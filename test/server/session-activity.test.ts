// GET /admin/sessions: what each live sandbox session did through the hub (requests, the provider
// that answered last, fallbacks taken), for session tokens only, and only while the token lives.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type Simulators, startSimulators } from "../../src/simulators/index.ts";
import { PROVIDER_KEY, pick, simulatorConfig, startTestHub, type TestHub } from "../support/hub.ts";
import { postgresSchemaUrl, withRawPostgres } from "../support/postgres.ts";

let simulators: Simulators;

before(async () => {
  simulators = await startSimulators({
    keys: {
      anthropic: [PROVIDER_KEY],
      google: [PROVIDER_KEY],
      zai: [PROVIDER_KEY],
      moonshot: [PROVIDER_KEY],
    },
  });
});

after(() => simulators.close());

async function sessionToken(testHub: TestHub, mode: string): Promise<{ token: string; id: string }> {
  const created = await testHub.hub.keys?.create(
    {
      name: `session-${mode}-bwrap-0a1b2c3d`,
      kind: "session",
      scopes: ["chat"],
      providers: ["zai", "moonshot"],
      mode,
      ttlMs: 60_000,
    },
    "test",
  );
  assert.ok(created);
  return { token: created.key, id: created.info.id };
}

function message(token: string): RequestInit {
  return {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      "anthropic-version": "2023-06-01",
    },
    body: JSON.stringify({ model: "glm-4.6", max_tokens: 16, messages: [{ role: "user", content: "hi" }] }),
  };
}

async function sessions(testHub: TestHub, admin: string): Promise<unknown[]> {
  const response = await testHub.request("/admin/sessions", {
    headers: { authorization: `Bearer ${admin}` },
  });
  assert.equal(response.status, 200);
  const body: unknown = await response.json();
  assert.ok(Array.isArray(body));
  return body;
}

test("a session's requests, the provider that answered last and its fallbacks; revoked sessions drop out", async (t) => {
  const testHub = await startTestHub(
    t,
    simulatorConfig(simulators, { resilience: { fallbacks: { zai: ["moonshot"] } } }),
  );
  const admin = await testHub.addKey("admin", ["admin"]);
  const plain = await testHub.addKey("someone", ["chat"]);
  const session = await sessionToken(testHub, "glm");

  assert.equal((await testHub.request("/v1/messages", message(session.token))).status, 200);
  simulators.faults.inject("zai", { kind: "status", status: 500, times: 1 });
  t.after(() => simulators.faults.clear());
  const fellBack = await testHub.request("/v1/messages", message(session.token));
  assert.equal(fellBack.status, 200);
  assert.equal(fellBack.headers.get("x-aio-provider"), "moonshot");
  assert.equal((await testHub.request("/v1/messages", message(plain))).status, 200);

  const [only, ...rest] = await sessions(testHub, admin);
  assert.equal(rest.length, 0, "only session tokens are listed");
  assert.equal(pick(only, "keyId"), session.id);
  assert.equal(pick(only, "mode"), "glm");
  assert.equal(pick(only, "runtime"), "bwrap");
  assert.equal(pick(only, "requests"), 2);
  assert.equal(pick(only, "fallbacks"), 1);
  assert.equal(pick(only, "lastProvider"), "moonshot");

  const refused = await testHub.request("/admin/sessions", {
    headers: { authorization: `Bearer ${session.token}` },
  });
  assert.equal(refused.status, 403, "a session token cannot list sessions");

  await testHub.revokeKey(session.id);
  assert.deepEqual(await sessions(testHub, admin), []);
});

/** The usage an Anthropic answer reports: the JSON body's, or a stream's last counts in its events. */
function usageOf(answer: string): { input: number; output: number } {
  const bodies = answer.startsWith("{")
    ? [answer]
    : answer
        .split("\n")
        .filter((line) => line.startsWith("data: "))
        .map((line) => line.slice("data: ".length));
  let input = 0;
  let output = 0;
  for (const body of bodies) {
    const event: unknown = JSON.parse(body);
    const usage = pick(event, "usage") ?? pick(event, "message", "usage");
    if (typeof pick(usage, "input_tokens") === "number") input = Number(pick(usage, "input_tokens"));
    if (typeof pick(usage, "output_tokens") === "number") output = Number(pick(usage, "output_tokens"));
  }
  return { input, output };
}

test("a session's tokens: the usage of each answer it was relayed, a stream's counted once it has ended", async (t) => {
  const testHub = await startTestHub(t, simulatorConfig(simulators));
  const admin = await testHub.addKey("admin", ["admin"]);
  const session = await sessionToken(testHub, "glm");

  const whole = await testHub.request("/v1/messages", message(session.token));
  assert.equal(whole.status, 200);
  const first = usageOf(await whole.text());
  const streamed = message(session.token);
  streamed.body = JSON.stringify({
    model: "glm-4.6",
    max_tokens: 64,
    stream: true,
    messages: [{ role: "user", content: "tell me a longer story, please" }],
  });
  const stream = await testHub.request("/v1/messages", streamed);
  assert.equal(stream.status, 200);
  assert.match(stream.headers.get("content-type") ?? "", /event-stream/);
  const second = usageOf(await stream.text());
  assert.ok(first.input > 0 && first.output > 0 && second.input > 0 && second.output > 0);

  const [only] = await sessions(testHub, admin);
  assert.equal(pick(only, "requests"), 2);
  assert.equal(pick(only, "tokensIn"), first.input + second.input);
  assert.equal(pick(only, "tokensOut"), first.output + second.output);
});

test("a store that cannot answer fails /admin/sessions and forgets nothing: the sessions are back with their counts", async (t) => {
  const url = await postgresSchemaUrl(t);
  if (url === undefined) return;
  const testHub = await startTestHub(t, simulatorConfig(simulators, { store: { url } }));
  const admin = await testHub.addKey("admin", ["admin"]);
  const session = await sessionToken(testHub, "glm");
  assert.equal((await testHub.request("/v1/messages", message(session.token))).status, 200);
  assert.equal((await sessions(testHub, admin)).length, 1);

  // The keys table out of reach stands for PostgreSQL restarting: the store answers no lookup.
  await withRawPostgres(url, (sql) => sql`ALTER TABLE hub_keys RENAME TO hub_keys_away`);
  const broken = await testHub.request("/admin/sessions", { headers: { authorization: `Bearer ${admin}` } });
  assert.notEqual(broken.status, 200, "an empty list would say no session is running");
  await withRawPostgres(url, (sql) => sql`ALTER TABLE hub_keys_away RENAME TO hub_keys`);

  const [only, ...rest] = await sessions(testHub, admin);
  assert.equal(rest.length, 0);
  assert.equal(pick(only, "keyId"), session.id);
  assert.equal(pick(only, "requests"), 1);
});
