// Managing keys over HTTP with an admin key: create (the key shown once), list (prefixes only),
// revoke (the key stops working at once); the same JSON as the command line; other keys get 403.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pick, simulatorConfig, startTestHub } from "../support/hub.ts";

describe("admin endpoints", () => {
  it("create, list and revoke keys with the admin scope only", async (t) => {
    const hub = await startTestHub(t, simulatorConfig(undefined));
    const admin = { authorization: `Bearer ${await hub.addKey("ops", ["admin"])}` };
    const chatOnly = { authorization: `Bearer ${await hub.addKey("app", ["chat"])}` };
    const json = { "content-type": "application/json" };

    const refused = await hub.request("/admin/keys", { headers: chatOnly });
    assert.equal(refused.status, 403);
    assert.equal(pick(await refused.json(), "error", "type"), "permission_error");

    const created = await hub.request("/admin/keys", {
      method: "POST",
      headers: { ...admin, ...json },
      body: JSON.stringify({ name: "ci", scopes: ["chat"], providers: ["zai"], expires: "30d", rpm: 60 }),
    });
    assert.equal(created.status, 201);
    const body = await created.json();
    assert.deepEqual(Object.keys(Object(body)).sort(), [
      "expiresAt",
      "id",
      "key",
      "name",
      "prefix",
      "providers",
      "scopes",
    ]);
    assert.deepEqual(pick(body, "providers"), ["zai"]);
    const key = String(pick(body, "key"));
    const asNew = { authorization: `Bearer ${key}` };
    assert.equal((await hub.request("/v1/models", { headers: asNew })).status, 200);

    const listed = await (await hub.request("/admin/keys", { headers: admin })).json();
    assert.ok(Array.isArray(listed));
    const ci = listed.find((entry: unknown) => pick(entry, "name") === "ci");
    assert.equal(pick(ci, "status"), "active");
    assert.equal(pick(ci, "rpm"), 60);
    assert.ok(!JSON.stringify(listed).includes(key), "lists never show a key");

    const revoked = await hub.request("/admin/keys/ci", { method: "DELETE", headers: admin });
    assert.equal(revoked.status, 200);
    assert.equal(pick(await revoked.json(), "status"), "revoked");
    assert.equal((await hub.request("/v1/models", { headers: asNew })).status, 401);

    const bad = await hub.request("/admin/keys", {
      method: "POST",
      headers: { ...admin, ...json },
      body: JSON.stringify({ name: "x", scopes: ["everything"] }),
    });
    assert.equal(bad.status, 400);
    assert.match(String(pick(await bad.json(), "error", "message")), /scopes\.0/);
    // A mistyped provider would give a key that reaches none: refused, naming the known ones.
    const unknown = await hub.request("/admin/keys", {
      method: "POST",
      headers: { ...admin, ...json },
      body: JSON.stringify({ name: "typo", providers: ["zai", "nope"] }),
    });
    assert.equal(unknown.status, 400);
    assert.equal(pick(await unknown.clone().json(), "error", "type"), "invalid_request_error");
    assert.match(
      String(pick(await unknown.json(), "error", "message")),
      /providers: unknown provider "nope"; known providers: anthropic, google, zai, moonshot/,
    );
    const names = (await (await hub.request("/admin/keys", { headers: admin })).json()) as unknown[];
    assert.ok(!names.some((entry) => pick(entry, "name") === "typo"), "no key was made");
    const missing = await hub.request("/admin/keys/nobody", { method: "DELETE", headers: admin });
    assert.equal(missing.status, 404);
  });
});
