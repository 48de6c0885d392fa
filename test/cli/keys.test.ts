// `keys create | list | revoke` and `audit list | verify` as a person runs them, on a throwaway home.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { test } from "node:test";
import { runCli, temporaryHome } from "../support/cli.ts";
import { homeEnv } from "./home-env.ts";

test("keys create prints the key once; --json has exactly the documented fields; list shows only the prefix", async (t) => {
  const env = homeEnv(temporaryHome(t));
  const plain = await runCli(["keys", "create", "--name", "laptop"], { env });
  assert.equal(plain.code, 0, plain.stderr);
  const key = plain.stdout.trim();
  assert.match(key, /^aio_[A-Za-z0-9_-]{43}$/, "stdout is the key alone, for KEY=$(…)");
  assert.match(plain.stderr, /created hub key "laptop" .*scopes chat, providers all, expires never/);
  assert.match(plain.stderr, /only time the key is shown/);

  const created = await runCli(
    [
      "keys",
      "create",
      "--name",
      "ci",
      "--scopes",
      "chat,files,metrics",
      "--providers",
      "zai,moonshot",
    ].concat(["--expires", "30d", "--rpm", "120", "--json"]),
    { env },
  );
  assert.equal(created.code, 0, created.stderr);
  const json = JSON.parse(created.stdout);
  assert.deepEqual(Object.keys(json), ["id", "name", "key", "prefix", "scopes", "providers", "expiresAt"]);
  assert.equal(json.name, "ci");
  assert.deepEqual(json.scopes, ["chat", "files", "metrics"]);
  assert.deepEqual(json.providers, ["zai", "moonshot"]);
  assert.equal(json.prefix, json.key.slice(0, 12));
  const expiresIn = Date.parse(json.expiresAt) - Date.now();
  assert.ok(Math.abs(expiresIn - 30 * 86_400_000) < 600_000, `expires in 30 days, not ${expiresIn} ms`);

  const list = await runCli(["keys", "list"], { env });
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^ID +NAME +PREFIX +SCOPES/m);
  assert.match(
    list.stdout,
    new RegExp(`${json.id} +ci +${json.prefix}… +chat,files,metrics +zai,moonshot +120 `),
  );
  const listed = JSON.parse((await runCli(["keys", "list", "--json"], { env })).stdout);
  assert.deepEqual(
    listed.map((entry: { name: string; status: string }) => [entry.name, entry.status]),
    [
      ["laptop", "active"],
      ["ci", "active"],
    ],
  );
  for (const output of [list.stdout, JSON.stringify(listed)]) {
    assert.ok(!output.includes(key.slice(12)) && !output.includes(json.key.slice(12)), "never the key");
    assert.ok(!/[0-9a-f]{64}/.test(output), "never a hash");
  }
});

test("keys revoke by name or id marks the key revoked and is audited; audit verify then passes", async (t) => {
  const env = homeEnv(temporaryHome(t));
  const create = await runCli(["keys", "create", "--name", "ci", "--json"], { env });
  assert.equal(create.code, 0, `keys create: ${create.stderr}`);
  const created = JSON.parse(create.stdout);
  const revoked = await runCli(["keys", "revoke", "ci"], { env });
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.equal(revoked.stdout, `revoked hub key "ci" (${created.id}, ${created.prefix}…)\n`);
  const again = await runCli(["keys", "revoke", created.id], { env });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /was already revoked at \d{4}-/);
  const list = await runCli(["keys", "list", "--json"], { env });
  assert.equal(list.code, 0, `keys list: ${list.stderr}`);
  const listed = JSON.parse(list.stdout);
  assert.equal(listed[0].status, "revoked");
  const recreated = await runCli(["keys", "create", "--name", "ci"], { env });
  assert.equal(recreated.code, 0, "a revoked key's name can be used again");

  const auditList = await runCli(["audit", "list", "--json"], { env });
  assert.equal(auditList.code, 0, `audit list: ${auditList.stderr}`);
  const audit = JSON.parse(auditList.stdout);
  assert.deepEqual(
    audit.map((row: { seq: number; action: string; subject: string }) => [row.seq, row.action]),
    [
      [3, "key.create"],
      [2, "key.revoke"],
      [1, "key.create"],
    ],
  );
  assert.equal(audit[1].subject, created.id);
  assert.match(audit[1].actor, /^cli:/);
  const verify = await runCli(["audit", "verify"], { env });
  assert.equal(verify.code, 0, verify.stderr);
  assert.match(verify.stdout, /^audit trail verified: 3 rows, head [0-9a-f]{16}$/m);
});

test("a tampered audit row makes `audit verify` fail naming that row", async (t) => {
  const home = temporaryHome(t);
  const env = homeEnv(home);
  for (const name of ["a", "b", "c"])
    assert.equal((await runCli(["keys", "create", "--name", name], { env })).code, 0);
  const database = new DatabaseSync(join(home, "orchestrator.db"));
  database.prepare("UPDATE audit_log SET details = ? WHERE seq = 2").run('{"name":"mallory"}');
  database.close();
  const verify = await runCli(["audit", "verify"], { env });
  assert.equal(verify.code, 1);
  assert.equal(verify.stdout, "");
  assert.match(
    verify.stderr,
    /^ai-orchestrator: the audit trail was altered at row 2: row 2 does not match its hash: its content was altered \(1 rows before it verify\)\n$/,
  );
});

test("mistakes get one line naming the problem and the fix, and a non-zero exit", async (t) => {
  const env = homeEnv(temporaryHome(t));
  assert.equal((await runCli(["keys", "create", "--name", "ci"], { env })).code, 0);
  const cases: [string[], number, RegExp][] = [
    [["keys", "create", "--name", "ci"], 1, /a hub key named "ci" already exists; choose another name/],
    [
      ["keys", "create", "--name", "x", "--scopes", "chat,root"],
      2,
      /unknown scope "root"; use any of chat, files/,
    ],
    [["keys", "create", "--name", "x", "--expires", "soon"], 2, /--expires "soon" is not a duration.*30d/],
    [["keys", "create", "--name", "x", "--rpm", "-3"], 2, /--rpm "-3" is not a whole number/],
    [
      ["keys", "create", "--name", "x", "--rpm", "99999999999999999999"],
      2,
      /requests per minute must be a whole number from 1 to 2147483647, not 100000000000000000000/,
    ],
    [["keys", "create", "--name", "bad name"], 2, /key name "bad name" is not valid/],
    [
      ["keys", "create", "--name", "x", "--providers", "zai,nope"],
      2,
      /--providers: unknown provider "nope"; known providers: anthropic, google, zai, moonshot/,
    ],
    [
      ["keys", "revoke", "nobody"],
      1,
      /no hub key has the id or name "nobody"; see `ai-orchestrator keys list`/,
    ],
    [["audit", "list", "--limit", "0"], 2, /--limit "0" is not a whole number above 0/],
  ];
  for (const [args, code, message] of cases) {
    const result = await runCli(args, { env });
    assert.equal(result.code, code, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.equal(
      result.stderr.trim().split("\n").length,
      1,
      `one line for ${args.join(" ")}: ${result.stderr}`,
    );
  }
  const help = await runCli(["keys", "create", "--help"], { env });
  assert.match(help.stdout.replace(/\s+/g, " "), /\(default: chat\)/);
});

test("keys and audit use the store AI_ORCHESTRATOR_STORE_URL names, and an unreachable one is one line without its password", async (t) => {
  const home = temporaryHome(t);
  const elsewhere = join(temporaryHome(t), "shared.db");
  const env = homeEnv(home, { AI_ORCHESTRATOR_STORE_URL: elsewhere });
  assert.equal((await runCli(["keys", "create", "--name", "x"], { env })).code, 0);
  assert.equal(
    JSON.parse((await runCli(["keys", "list", "--json"], { env: homeEnv(home) })).stdout).length,
    0,
  );
  assert.equal(JSON.parse((await runCli(["keys", "list", "--json"], { env })).stdout).length, 1);
  const unreachable = await runCli(["keys", "list"], {
    env: homeEnv(home, { AI_ORCHESTRATOR_STORE_URL: "postgres://aio:hunter2@127.0.0.1:1/aio" }),
  });
  assert.equal(unreachable.code, 1);
  assert.match(
    unreachable.stderr,
    /^ai-orchestrator: cannot reach PostgreSQL at postgres:\/\/aio:\[redacted\]@127\.0\.0\.1:1\/aio/,
  );
  assert.ok(!unreachable.stderr.includes("hunter2"));
  assert.equal(unreachable.stderr.trim().split("\n").length, 1, unreachable.stderr);
});

test("keys create --providers takes a provider defined in config.yaml, and refuses one that is not", async (t) => {
  const home = temporaryHome(t);
  const env = homeEnv(home);
  writeFileSync(join(home, "config.yaml"), "providers:\n  work:\n    extends: zai\n");
  const created = await runCli(["keys", "create", "--name", "w", "--providers", "work", "--json"], { env });
  assert.equal(created.code, 0, created.stderr);
  assert.deepEqual(JSON.parse(created.stdout).providers, ["work"]);
  const refused = await runCli(["keys", "create", "--name", "v", "--providers", "works"], { env });
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /unknown provider "works"; known providers: .*moonshot, work/);
  assert.doesNotMatch((await runCli(["keys", "list"], { env })).stdout, /^\S+ +v /m);
});
