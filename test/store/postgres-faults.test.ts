// PostgreSQL as replicas meet it: several starting together on an empty database, and the database
// going away in the middle of a load (every connection cut, new ones refused, or accepted and closed
// at once, or accepted and left silent) and coming back.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import { type TestContext, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { AuditTrail } from "../../src/audit/audit-trail.ts";
import { isAppError } from "../../src/errors.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { startSimulators } from "../../src/simulators/index.ts";
import { POSTGRES_MIGRATIONS } from "../../src/store/postgres/migrations.ts";
import { LOCAL_THREAD_OWNER } from "../../src/store/repositories.ts";
import { openStore, type Store } from "../../src/store/store.ts";
import { pick, simulatorConfig, startTestHub } from "../support/hub.ts";
import {
  POSTGRES_URL,
  type PostgresStandIn,
  postgresSchemaUrl,
  postgresStandIn,
  postgresUnavailable,
  settled,
  withRawPostgres,
} from "../support/postgres.ts";
import { requireService } from "../support/services.ts";
import { storeOn } from "./conformance.ts";

test("five replicas opening an empty PostgreSQL store at once apply each migration exactly once", async (t) => {
  const url = await postgresSchemaUrl(t);
  if (url === undefined) return;
  const stores = await Promise.all(Array.from({ length: 5 }, () => storeOn(t, { url, raw: async () => {} })));
  await Promise.all(stores.map((store) => store.ping()));
  const versions = await withRawPostgres(
    url,
    (sql) => sql`SELECT version FROM schema_migrations ORDER BY version`,
  );
  assert.deepEqual(
    versions.map((row) => row.version),
    POSTGRES_MIGRATIONS.map((migration) => migration.version),
  );
});

test("PostgreSQL going away mid-load: failures are quick AppErrors, nothing hangs, and it recovers alone", async (t) => {
  const url = await postgresSchemaUrl(t);
  if (url === undefined) return;
  const relay = await postgresStandIn(url, t);
  const store = await storeOn(t, { url: relay.urlFor(url), raw: async () => {} });
  const trail = new AuditTrail({ log: store.audit });

  const outcomes: { index: number; ok: boolean; error?: unknown }[] = [];
  let index = 0;
  let stop = false;
  const load = (async () => {
    while (!stop) {
      const current = index++;
      // A bound far above any healthy or failing answer: only a hang reaches it.
      const outcome = await Promise.race([
        Promise.all([
          store.threads.append(LOCAL_THREAD_OWNER, "load", [
            { role: "user", content: `turn ${current}`, at: current },
          ]),
          trail.record({ actor: "hub", action: "test.load", subject: `op-${current}`, outcome: "ok" }),
        ]).then(
          () => ({ index: current, ok: true }),
          (error: unknown) => ({ index: current, ok: false, error }),
        ),
        sleep(15_000).then(() => ({ index: current, ok: false, error: new Error("hung") })),
      ]);
      outcomes.push(outcome);
      if (!outcome.ok) await sleep(50);
    }
  })();

  const enough = async (count: number) => {
    for (let tries = 0; tries < 600 && outcomes.filter((outcome) => outcome.ok).length < count; tries += 1)
      await sleep(25);
  };
  await enough(20);
  await relay.become("closed");
  await assert.rejects(store.ping(), (error) => isAppError(error) && error.kind === "unavailable");
  const failuresBefore = outcomes.filter((outcome) => !outcome.ok).length;
  for (
    let tries = 0;
    tries < 400 && outcomes.filter((outcome) => !outcome.ok).length < failuresBefore + 3;
    tries += 1
  )
    await sleep(25);
  await relay.become("forward");
  const okBefore = outcomes.filter((outcome) => outcome.ok).length;
  await enough(okBefore + 20);
  stop = true;
  await load;

  const failures = outcomes.filter((outcome) => !outcome.ok);
  assert.ok(failures.length >= 3, "the outage was felt");
  for (const failure of failures) {
    assert.ok(
      isAppError(failure.error) && failure.error.kind === "unavailable",
      `a clear unavailable error, not ${String(failure.error)}`,
    );
    assert.match(failure.error.message, /cannot reach PostgreSQL at postgres:\/\//);
  }
  assert.ok(outcomes.at(-1)?.ok, "operations succeed again once the database is back");
  await store.ping();

  const thread = await store.threads.get(LOCAL_THREAD_OWNER, "load");
  const contents = thread?.turns.map((turn) => turn.content) ?? [];
  assert.equal(new Set(contents).size, contents.length, "no turn was written twice");
  for (const outcome of outcomes.filter((item) => item.ok)) {
    assert.ok(contents.includes(`turn ${outcome.index}`), `turn ${outcome.index} succeeded and is there`);
  }
  const verdict = await trail.verify();
  assert.equal(verdict.ok, true, JSON.stringify(verdict));
});

test("a store URL naming a database that does not exist is one line naming it and the fix, without the password", async (t) => {
  if (!requireService(t, "PostgreSQL", await postgresUnavailable()) || POSTGRES_URL === undefined) return;
  // The server's own user and password (a wrong password would be refused before the database is).
  const url = new URL(POSTGRES_URL);
  url.pathname = "/aio_no_such_database";
  const password = decodeURIComponent(url.password);
  await assert.rejects(
    openStore({
      url: url.toString(),
      paths: { databaseFile: "unused.db" },
      logger: createLogger({ level: "silent" }),
    }),
    (error) => {
      assert.ok(isAppError(error) && error.kind === "unavailable", `a clear error, not ${String(error)}`);
      assert.match(
        error.message,
        /^PostgreSQL at postgres:\/\/.*\/aio_no_such_database refused the store: .*aio_no_such_database.*; make store.url \(or AI_ORCHESTRATOR_STORE_URL\) name a database that exists/,
      );
      if (password !== "") assert.ok(!error.message.includes(password), "the password is not shown");
      return true;
    },
  );
});

test("a store URL at a server that accepts connections and closes them at once fails to open, instead of hanging", async (t) => {
  // What a pooler whose database is down, or a port that is not PostgreSQL's, does.
  const closer: Server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => closer.listen(0, "127.0.0.1", resolve));
  t.after(() => closer.close());
  const address = closer.address();
  assert.ok(address !== null && typeof address === "object");
  const url = `postgres://aio:hunter2@127.0.0.1:${address.port}/aio?connect_timeout=1`;
  const opening = openStore({ url, paths: { databaseFile: "" }, logger: createLogger({ level: "silent" }) });
  // Without the first contact's deadline the client reconnects forever and this never settles.
  const outcome = await Promise.race([
    opening.then(
      () => "opened",
      (error: unknown) => error,
    ),
    sleep(60_000, undefined, { ref: false }).then(() => "still pending after 60 s"),
  ]);
  assert.ok(isAppError(outcome) && outcome.kind === "unavailable", String(outcome));
  assert.match(
    outcome.message,
    /^cannot reach PostgreSQL at postgres:\/\/aio:\[redacted\]@127\.0\.0\.1:\d+\/aio/,
  );
  assert.doesNotMatch(outcome.message, /hunter2/);
});

/** A store on a fresh schema reached through a stand-in, with these URL settings; undefined when skipped. */
async function storeBehindStandIn(
  t: TestContext,
  settings: Record<string, string>,
): Promise<{ standIn: PostgresStandIn; store: Store; password: string } | undefined> {
  const url = await postgresSchemaUrl(t);
  if (url === undefined) return undefined;
  const standIn = await postgresStandIn(url, t);
  const relayed = new URL(standIn.urlFor(url));
  for (const [name, value] of Object.entries(settings)) relayed.searchParams.set(name, value);
  const store = await storeOn(t, { url: relayed.toString(), raw: async () => {} });
  return { standIn, store, password: decodeURIComponent(relayed.password) };
}

/** One `cannot reach PostgreSQL` line naming the stand-in, password redacted, and the fix. */
function assertCannotReach(error: unknown, what: string, password: string): void {
  assert.ok(
    isAppError(error) && error.kind === "unavailable",
    `${what}: a clear unavailable error, not ${String(error)}`,
  );
  assert.match(
    error.message,
    /^cannot reach PostgreSQL at postgres:\/\/postgres:\[redacted\]@127\.0\.0\.1:\d+\/.*; check that it runs and that store\.url \(or AI_ORCHESTRATOR_STORE_URL\) names it$/,
  );
  assert.ok(!error.message.includes("\n"), `${what}: one line`);
  if (password !== "") assert.ok(!error.message.includes(password), `${what}: the password is not shown`);
}

/** Lets the stand-in relay again and waits, a bounded while, for the same store to answer. */
async function answersAgain(standIn: PostgresStandIn, store: Store): Promise<void> {
  await standIn.become("forward");
  let back = await settled(store.keys.list(), 20_000);
  for (let tries = 0; tries < 40 && back.error !== undefined; tries += 1) {
    await sleep(250);
    back = await settled(store.keys.list(), 20_000);
  }
  assert.equal(back.error, undefined, `the store answers again: ${String(back.error)}`);
}

test("a PostgreSQL that starts closing every connection at once, or stops answering, while the store is open: each statement fails as one unavailable line, and the store recovers alone", async (t) => {
  const behind = await storeBehindStandIn(t, { connect_timeout: "1" });
  if (behind === undefined) return;
  const { standIn, store, password } = behind;
  assert.deepEqual(await store.keys.list(), []);
  // Key changes from other replicas: the subscription must come back with the server too.
  const heard: (string | undefined)[] = [];
  const unsubscribe = await store.keyChanges.subscribe((keyId) => heard.push(keyId));
  t.after(unsubscribe);

  // What the hub asks of the store on a request: a key lookup, the key list, files, threads, audit.
  const statements: Record<string, () => Promise<unknown>> = {
    "keys.findByHash": () => store.keys.findByHash("0".repeat(64)),
    "keys.list": () => store.keys.list(),
    "files.listContents": () => store.files.listContents(),
    "threads.list": () => store.threads.list({ owner: LOCAL_THREAD_OWNER, limit: 10 }),
    "audit.head": () => store.audit.head(),
  };
  for (const mode of ["close", "silent"] as const) {
    await t.test(
      `the server ${mode === "close" ? "closes every connection at once" : "never answers"}`,
      async () => {
        await standIn.become(mode);
        // One at a time, then twenty-five at once (more than the pool's ten connections).
        const outcomes = [];
        for (const [name, statement] of Object.entries(statements))
          outcomes.push({ name, ...(await settled(statement(), 20_000)) });
        const together = await Promise.all(
          Array.from({ length: 25 }, (_, index) =>
            settled(store.keys.findByHash(String(index).padStart(64, "0")), 20_000).then((outcome) => ({
              name: `lookup ${index} of 25 at once`,
              ...outcome,
            })),
          ),
        );
        for (const outcome of [...outcomes, ...together])
          assertCannotReach(outcome.error, outcome.name, password);
        t.diagnostic(
          `${mode}: slowest failure ${Math.round(Math.max(...[...outcomes, ...together].map((outcome) => outcome.ms)))} ms`,
        );

        // The database comes back: the same store object answers again, with no restart.
        await answersAgain(standIn, store);
        for (const [name, statement] of Object.entries(statements)) {
          const outcome = await settled(statement(), 20_000);
          assert.equal(outcome.error, undefined, `${name} works again: ${String(outcome.error)}`);
        }
        const notice = `key_after_${mode}`;
        for (let tries = 0; tries < 80 && !heard.includes(notice); tries += 1) {
          await store.keyChanges.publish(notice);
          await sleep(250);
        }
        assert.ok(heard.includes(notice), "key changes are heard again");
      },
    );
  }
});

test("a hub on PostgreSQL whose server starts closing every connection: a request that needs the store is a 503 in the client's dialect, not a hang, and requests work again once PostgreSQL is back", async (t) => {
  const url = await postgresSchemaUrl(t);
  if (url === undefined) return;
  const simulators = await startSimulators();
  t.after(() => simulators.close());
  const standIn = await postgresStandIn(url, t);
  const relayed = new URL(standIn.urlFor(url));
  relayed.searchParams.set("connect_timeout", "1");
  const hub = await startTestHub(t, simulatorConfig(simulators, { store: { url: relayed.toString() } }));
  // Made while the store answers and never used since: the first request must look it up.
  const key = await hub.addKey("outage", ["chat"]);
  const origin = (await hub.listen()).url;
  const chat = (dialect: "openai" | "gemini") =>
    fetch(
      `${origin}${dialect === "openai" ? "/v1/chat/completions" : "/v1beta/models/gemini-2.5-flash:generateContent"}`,
      {
        method: "POST",
        headers:
          dialect === "openai"
            ? { authorization: `Bearer ${key}`, "content-type": "application/json" }
            : { "x-goog-api-key": key, "content-type": "application/json" },
        body: JSON.stringify(
          dialect === "openai"
            ? { model: "glm-4.6", messages: [{ role: "user", content: "hi" }] }
            : { contents: [{ role: "user", parts: [{ text: "hi" }] }] },
        ),
        signal: AbortSignal.timeout(20_000),
      },
    );

  await standIn.become("close");
  const openai = await chat("openai");
  assert.equal(openai.status, 503);
  const openaiBody: unknown = await openai.json();
  assert.equal(pick(openaiBody, "error", "type"), "server_error");
  assert.match(String(pick(openaiBody, "error", "message")), /^cannot reach PostgreSQL at /);
  const gemini = await chat("gemini");
  assert.equal(gemini.status, 503);
  const geminiBody: unknown = await gemini.json();
  assert.equal(pick(geminiBody, "error", "status"), "UNAVAILABLE");
  assert.equal(pick(geminiBody, "error", "code"), 503);

  await standIn.become("forward");
  let answer = await chat("openai");
  for (let tries = 0; tries < 40 && answer.status !== 200; tries += 1) {
    await answer.body?.cancel();
    await sleep(250);
    answer = await chat("openai");
  }
  const text = await answer.text();
  assert.equal(answer.status, 200, text);
  assert.match(
    String(pick(JSON.parse(text), "choices", 0, "message", "content")),
    /Simulated Z.ai reply to: hi/,
  );
});

test("forty statements in flight on a pool of four when PostgreSQL goes silent all fail within about one connect_timeout, not in turns, and the store recovers alone", async (t) => {
  const behind = await storeBehindStandIn(t, { connect_timeout: "1", max: "4" });
  if (behind === undefined) return;
  const { standIn, store, password } = behind;
  const burst = 40;
  // Taking turns, four per connect_timeout, the last would fail after ten of them.
  const inTurnsMs = (burst / 4) * 1_000;
  // Silent before the burst (the pool's connections cut, new ones accepted and never answered, and no
  // statement has failed yet), or going silent while the burst is being sent.
  for (const when of ["before", "during"] as const) {
    await t.test(`the server goes silent ${when} a burst of ${burst}`, async () => {
      await answersAgain(standIn, store);
      if (when === "before") {
        await standIn.become("silent");
        // The connections are cut; let the store hear it before the burst, so none fails at once.
        await sleep(200);
      }
      const started = performance.now();
      const pending = Array.from({ length: burst }, (_, index) =>
        settled(store.keys.findByHash(String(index).padStart(64, "0")), 30_000),
      );
      if (when === "during") await standIn.become("silent");
      const outcomes = await Promise.all(pending);
      const slowest = Math.max(...outcomes.map((outcome) => outcome.ms));
      t.diagnostic(`${when}: all ${burst} failed within ${Math.round(performance.now() - started)} ms`);
      for (const [index, outcome] of outcomes.entries())
        assertCannotReach(outcome.error, `statement ${index}`, password);
      // Generous against a loaded machine, yet far below the statements' taking turns.
      assert.ok(
        slowest < 3_000,
        `every statement failed within 3 connect_timeouts, the slowest after ${slowest} ms`,
      );
      assert.ok(slowest < inTurnsMs / 3, "not in turns of four per connect_timeout");

      // PostgreSQL answers again: the same store works, with no restart.
      await answersAgain(standIn, store);
      const again = await Promise.all(
        Array.from({ length: burst }, (_, index) => store.keys.findByHash(String(index).padStart(64, "0"))),
      );
      assert.deepEqual(
        again,
        Array.from({ length: burst }, () => undefined),
        "a burst succeeds again",
      );
    });
  }
});
