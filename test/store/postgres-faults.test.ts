// PostgreSQL as replicas meet it: several starting together on an empty database, and the database
// going away in the middle of a load (every connection cut, new ones refused) and coming back.
import assert from "node:assert/strict";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { AuditTrail } from "../../src/audit/audit-trail.ts";
import { isAppError } from "../../src/errors.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { POSTGRES_MIGRATIONS } from "../../src/store/postgres/migrations.ts";
import { LOCAL_THREAD_OWNER } from "../../src/store/repositories.ts";
import { openStore } from "../../src/store/store.ts";
import {
  POSTGRES_URL,
  postgresSchemaUrl,
  postgresUnavailable,
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

/** A TCP relay to the database that a test can cut (all connections dropped, new ones refused) and restore. */
class Relay {
  readonly #target: { host: string; port: number };
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  port = 0;

  constructor(target: { host: string; port: number }) {
    this.#target = target;
  }

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = createConnection(this.#target);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on("close", () => this.#sockets.delete(socket));
        socket.on("error", () => {});
      }
      client.pipe(upstream).pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", resolve);
    });
    const address = server.address();
    this.port = typeof address === "object" && address !== null ? address.port : 0;
    this.#server = server;
  }

  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    if (server !== undefined) await new Promise((resolve) => server.close(resolve));
  }
}

test("PostgreSQL going away mid-load: failures are quick AppErrors, nothing hangs, and it recovers alone", async (t) => {
  const url = await postgresSchemaUrl(t);
  if (url === undefined) return;
  const direct = new URL(url);
  const relay = new Relay({ host: direct.hostname, port: Number(direct.port || 5432) });
  await relay.open();
  t.after(() => relay.cut());
  const relayed = new URL(url);
  relayed.port = String(relay.port);
  const store = await storeOn(t, { url: relayed.toString(), raw: async () => {} });
  const trail = new AuditTrail({ log: store.audit });

  const outcomes: { index: number; ok: boolean; error?: unknown }[] = [];
  let index = 0;
  let stop = false;
  const load = (async () => {
    while (!stop) {
      const current = index++;
      // A bound far above any healthy or failing answer: only a hang reaches it.
      const settled = await Promise.race([
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
      outcomes.push(settled);
      if (!settled.ok) await sleep(50);
    }
  })();

  const enough = async (count: number) => {
    for (let tries = 0; tries < 600 && outcomes.filter((outcome) => outcome.ok).length < count; tries += 1)
      await sleep(25);
  };
  await enough(20);
  await relay.cut();
  await assert.rejects(store.ping(), (error) => isAppError(error) && error.kind === "unavailable");
  const failuresBefore = outcomes.filter((outcome) => !outcome.ok).length;
  for (
    let tries = 0;
    tries < 400 && outcomes.filter((outcome) => !outcome.ok).length < failuresBefore + 3;
    tries += 1
  )
    await sleep(25);
  await relay.open();
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
    sleep(60_000).then(() => "still pending after 60 s"),
  ]);
  assert.ok(isAppError(outcome) && outcome.kind === "unavailable", String(outcome));
  assert.match(
    outcome.message,
    /^cannot reach PostgreSQL at postgres:\/\/aio:\[redacted\]@127\.0\.0\.1:\d+\/aio/,
  );
  assert.doesNotMatch(outcome.message, /hunter2/);
});
