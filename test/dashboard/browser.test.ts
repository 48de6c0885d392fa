// The dashboard in a real Chromium against a hub on a loopback socket and the simulators: sign-in,
// a circuit opening and closing live, a key created, used through the gateway, seen in Traffic and
// revoked, a cross-site form refused, sign-out. Each page is photographed on the way (into
// docs/images/ when AIO_DASHBOARD_SCREENSHOTS=docs, else into a temporary folder).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { Locator, Page } from "playwright-core";
import { removeScratch } from "../support/scratch.ts";
import { requireService } from "../support/services.ts";
import { type Browser, chromiumUnavailable, launchChromium } from "./chromium.ts";
import { type DashboardWorld, startDashboardWorld } from "./support.ts";

const toDocs = process.env.AIO_DASHBOARD_SCREENSHOTS === "docs";
const shots = toDocs
  ? fileURLToPath(new URL("../../docs/images/", import.meta.url))
  : mkdtempSync(join(tmpdir(), "aio-dashboard-shots-"));

let world: DashboardWorld;
let browser: Browser;
let page: Page;
let adminKey: string;
let createdKey = "";

/** What an element reads, hidden labels included. */
async function text(locator: Locator): Promise<string> {
  return (await locator.textContent()) ?? "";
}

async function photograph(name: string, target: Page = page): Promise<void> {
  mkdirSync(shots, { recursive: true });
  await target.screenshot({ path: join(shots, `dashboard-${name}.png`), fullPage: true });
}

/** A chat request through the hub's gateway, as an OpenAI client sends it. */
async function gateway(key: string, model = "glm-4.6"): Promise<Response> {
  return fetch(`${world.origin}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hello from the dashboard test" }] }),
  });
}

const chromium = chromiumUnavailable();

describe("the dashboard in Chromium", () => {
  before(async () => {
    if (chromium !== undefined) return;
    world = await startDashboardWorld({ liveIntervalMs: 200 });
    adminKey = await world.createKey("ops", ["admin", "chat"]);
    browser = await launchChromium();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: world.origin });
  });
  after(async () => {
    await browser?.close();
    await world?.close();
    if (!toDocs) removeScratch(shots);
  });

  it("sends a /ui page without a session to sign-in, and back to it after signing in by keyboard", async (t) => {
    if (!requireService(t, "chromium", chromium)) return;
    await page.goto(`${world.origin}/ui/traffic`);
    assert.match(page.url(), /\/ui\/sign-in\?next=%2Fui%2Ftraffic$/);
    await photograph("sign-in");
    // The key field has the focus and a label; Enter submits.
    assert.equal(await page.evaluate("document.activeElement?.id"), "key");
    await page.getByLabel("Hub key").fill(adminKey);
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/ui\/traffic$/);
    assert.match(await text(page.locator("header")), /Signed in as ops/);
    const cookies = await browser.context.cookies(`${world.origin}/ui/`);
    const session = cookies.find((cookie) => cookie.name === "aio_dashboard");
    assert.ok(
      session?.httpOnly && session.sameSite === "Strict",
      "an HttpOnly, SameSite=Strict session cookie",
    );
    assert.equal(
      await page.evaluate("document.cookie"),
      "",
      "the page's script cannot read the session cookie",
    );
  });

  it("shows a circuit open while its simulator fails and closed again, live, without a reload", async (t) => {
    if (!requireService(t, "chromium", chromium)) return;
    await page.goto(`${world.origin}/ui/providers`);
    await page.locator("#live-state.on").waitFor();
    const zai = page.locator('tr[data-provider="zai"]');
    assert.equal(await zai.getAttribute("data-breaker"), "closed");
    await page.evaluate("window.sameDocument = true");

    world.simulators.faults.inject("zai", { kind: "status", status: 503 });
    for (let request = 0; request < 2; request += 1) {
      const answer = await gateway(adminKey);
      assert.equal(answer.status, 200, "moonshot stands in for the failing zai");
      assert.equal(answer.headers.get("x-aio-provider"), "moonshot");
      await answer.arrayBuffer();
    }
    await page.locator('tr[data-provider="zai"][data-breaker="open"]').waitFor({ timeout: 10_000 });
    assert.match(await text(zai), /open/);
    assert.match(await text(zai), /503|overloaded|server/i);
    assert.match(await text(page.locator("#status")), /The circuit of zai is now open/);
    await photograph("providers");

    world.simulators.faults.clear();
    // After the open time one probe goes through; its success closes the circuit.
    await page.waitForTimeout(1_100);
    const probe = await gateway(adminKey);
    assert.equal(probe.headers.get("x-aio-provider"), "zai");
    await probe.arrayBuffer();
    await page.locator('tr[data-provider="zai"][data-breaker="closed"]').waitFor({ timeout: 10_000 });
    assert.equal(await page.evaluate("window.sameDocument"), true, "no reload happened");
  });

  it("resets an open circuit from the keyboard", async (t) => {
    if (!requireService(t, "chromium", chromium)) return;
    await page.goto(`${world.origin}/ui/providers`);
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate("document.activeElement?.textContent"), "Skip to content");
    world.simulators.faults.inject("zai", { kind: "status", status: 500 });
    for (let request = 0; request < 2; request += 1) await (await gateway(adminKey)).arrayBuffer();
    world.simulators.faults.clear();
    const reset = page.getByRole("button", { name: "Reset the circuit of zai" });
    await page.locator('tr[data-provider="zai"][data-breaker="open"]').waitFor({ timeout: 10_000 });
    await reset.focus();
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/ui\/providers$/);
    assert.match(await text(page.locator("#status")), /The circuit of zai was reset/);
    assert.equal(await page.locator('tr[data-provider="zai"]').getAttribute("data-breaker"), "closed");
  });

  it("creates a key shown once with a copy button; a gateway request with it appears in Traffic", async (t) => {
    if (!requireService(t, "chromium", chromium)) return;
    await page.goto(`${world.origin}/ui/keys`);
    await page.getByLabel("Name").fill("ci-runner");
    await page.getByLabel("Expires").selectOption("7d");
    await page.getByRole("button", { name: "Create key" }).click();
    const shown = page.locator("#created-key");
    createdKey = await shown.inputValue();
    assert.match(createdKey, /^aio_/);
    await page.getByRole("button", { name: "Copy" }).click();
    assert.equal(await page.evaluate("navigator.clipboard.readText()"), createdKey);
    await photograph("keys");

    const answer = await gateway(createdKey, "glm-4.5-air");
    assert.equal(answer.status, 200);
    await answer.arrayBuffer();

    await page.goto(`${world.origin}/ui/keys`);
    assert.equal(await page.locator("#created-key").count(), 0, "the key is not shown again");
    assert.ok(!(await page.content()).includes(createdKey));

    await page.goto(`${world.origin}/ui/traffic?key=ci-runner`);
    const row = page.locator("#traffic-table tbody tr").first();
    await row.waitFor();
    const seen = await text(row);
    assert.match(seen, /ci-runner/);
    assert.match(seen, /glm-4\.5-air/);
    assert.match(seen, /zai/);
    assert.match(seen, /200/);
    await page.locator("#live-state.on").waitFor();
    // A new request shows up live on the unfiltered view, with its fallback and why.
    await page.goto(`${world.origin}/ui/traffic`);
    await page.locator("#live-state.on").waitFor();
    world.simulators.faults.inject("zai", { kind: "status", status: 429, reason: "overloaded", times: 1 });
    await (await gateway(createdKey)).arrayBuffer();
    await page
      .locator("#traffic-table tbody tr")
      .filter({ hasText: "moonshot" })
      .filter({ hasText: "ci-runner" })
      .first()
      .waitFor({ timeout: 10_000 });
    assert.match(await text(page.locator("#traffic-table tbody tr").first()), /zai \(/);
    assert.ok((await page.locator("#traffic-chart svg").count()) >= 2, "one chart row per provider");
    await photograph("traffic");
  });

  it("revokes the key, after which the gateway refuses it", async (t) => {
    if (!requireService(t, "chromium", chromium)) return;
    await page.goto(`${world.origin}/ui/keys`);
    await page
      .locator('tr[data-key="ci-runner"]')
      .getByRole("button", { name: /Revoke/ })
      .click();
    await page.waitForURL(/\/ui\/keys$/);
    assert.match(await text(page.locator("#status")), /Key "ci-runner" revoked/);
    assert.match(await text(page.locator('tr[data-key="ci-runner"]')), /revoked/);
    const refused = await gateway(createdKey);
    assert.equal(refused.status, 401);
    const folder = mkdtempSync(join(tmpdir(), "aio-dashboard-file-"));
    writeFileSync(
      join(folder, "design-notes.md"),
      "# Notes\n\nWhat the hub keeps once for every provider.\n",
    );
    await world.files.upload({
      paths: [join(folder, "design-notes.md")],
      providers: ["zai", "moonshot", "google"],
      actor: "cli:test",
    });
    removeScratch(folder);
    await page.goto(`${world.origin}/ui/files`);
    assert.match(await text(page.locator("table.files")), /design-notes\.md/);
    await photograph("files");
    await page.goto(`${world.origin}/ui/audit`);
    assert.match(await text(page.locator("#audit-verdict")), /The chain verifies/);
    const entries = await text(page.locator("table.audit"));
    for (const action of ["dashboard.sign_in", "breaker.reset", "key.create", "key.revoke"]) {
      assert.match(entries, new RegExp(action.replace(".", "\\.")), `${action} is in the audit trail`);
    }
    await photograph("audit");
  });

  it("refuses a form posted to the dashboard from another site", async (t) => {
    if (!requireService(t, "chromium", chromium)) return;
    // The attacker even knows the form token: the Origin check alone refuses the post.
    await page.goto(`${world.origin}/ui/keys`);
    const token = await page.locator('input[name="csrf"]').first().inputValue();
    const evil: Server = createServer((_request, response) => {
      response.setHeader("content-type", "text/html");
      response.end(`<!doctype html><form id="f" method="post" action="${world.origin}/ui/keys">
<input name="csrf" value="${token}"><input name="name" value="planted"><input name="scopes" value="admin">
<input name="expires" value="never"></form><script>document.getElementById("f").submit()</script>`);
    });
    await new Promise<void>((resolve) => evil.listen(0, "127.0.0.1", resolve));
    try {
      const address = evil.address();
      assert.ok(address !== null && typeof address === "object");
      const refused = page.waitForResponse((response) => response.url() === `${world.origin}/ui/keys`);
      await page.goto(`http://127.0.0.1:${address.port}/`);
      assert.equal((await refused).status(), 403);
      await page.waitForLoadState();
      assert.match(await text(page.locator("body")), /sent from another site/);
    } finally {
      evil.close();
    }
    assert.ok(!(await world.keys.list()).some((key) => key.name === "planted"), "no key was created");
  });

  it("fits a narrow window", async (t) => {
    if (!requireService(t, "chromium", chromium)) return;
    const narrow = await browser.context.newPage();
    await narrow.setViewportSize({ width: 390, height: 844 });
    for (const path of ["traffic", "keys", "audit", "providers"]) {
      await narrow.goto(`${world.origin}/ui/${path}`);
      const overflow = Number(
        await narrow.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"),
      );
      assert.ok(overflow <= 0, `${path}: the page itself does not scroll sideways (${overflow}px too wide)`);
    }
    await photograph("narrow", narrow);
    await narrow.close();
  });

  it("signs out, after which /ui pages go to sign-in again", async (t) => {
    if (!requireService(t, "chromium", chromium)) return;
    await page.goto(`${world.origin}/ui/providers`);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/ui\/sign-in$/);
    await page.goto(`${world.origin}/ui/keys`);
    assert.match(page.url(), /\/ui\/sign-in\?next=%2Fui%2Fkeys$/);
  });
});
