// The dashboard's cost: (1) one traffic record on the request path (time per call, heap growth over a
// million calls), (2) the bytes a first load of each page transfers (Chromium, empty cache), (3) the
// hub's extra CPU while a dashboard page is open and live, under a steady trickle of gateway requests.
// `npm run bench -- dashboard`
import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createTraffic } from "../src/observability/traffic.ts";
import { chromiumUnavailable, launchChromium } from "../test/dashboard/chromium.ts";
import { startDashboardWorld } from "../test/dashboard/support.ts";

const line = (text = "") => process.stdout.write(`${text}\n`);
// A full collection before and after measuring the heap, without asking for --expose-gc.
setFlagsFromString("--expose-gc");
const collect: () => void = runInNewContext("gc");
const WINDOW_MS = 10_000;
const ROUNDS = 3;
// A browser keeps at most 6 connections to one origin over HTTP/1.1, and each live page holds one.
const TABS = 5;

const LOAD_SCRIPT = `
const body = JSON.stringify({ model: "glm-4.6", messages: [{ role: "user", content: "bench" }] });
for (;;) {
  const answer = await fetch(process.env.HUB + "/v1/chat/completions", {
    method: "POST",
    headers: { authorization: "Bearer " + process.env.HUB_KEY, "content-type": "application/json" },
    body,
  });
  await answer.arrayBuffer();
  await new Promise((resolve) => setTimeout(resolve, 50));
}`;

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

// ---- 1: the record call -------------------------------------------------------------------------

function recordCost(): void {
  const traffic = createTraffic();
  const fallbacks = [{ provider: "zai", kind: "overloaded" }];
  const none: { provider: string; kind: string }[] = [];
  const providers = ["anthropic", "google", "zai", "moonshot"];
  let sink = 0;
  // The same request objects built with and without the record call: the difference is its cost.
  const run = (calls: number, recording: boolean): number => {
    const started = performance.now();
    for (let index = 0; index < calls; index += 1) {
      const request = {
        at: Date.now(),
        key: "bench",
        dialect: "openai",
        model: "glm-4.6",
        provider: providers[index & 3] ?? "zai",
        fallbacks: index % 10 === 0 ? fallbacks : none,
        status: index % 50 === 0 ? 503 : 200,
        latencyMs: index % 300,
        tokensIn: 12,
        tokensOut: 40,
      };
      if (recording) traffic.record(request);
      else sink += request.status;
    }
    return ((performance.now() - started) * 1e6) / calls;
  };
  run(200_000, true);
  run(200_000, false);
  collect();
  const heapBefore = process.memoryUsage().heapUsed;
  const costs: number[] = [];
  for (let round = 0; round < 5; round += 1) costs.push(run(1_000_000, true) - run(1_000_000, false));
  collect();
  const heapAfter = process.memoryUsage().heapUsed;
  line("### traffic.record() per request");
  line();
  line("| calls | median ns per call (over building the request) | heap growth over 5 M calls |");
  line("|---:|---:|---:|");
  line(
    `| 5 × 1,000,000 | ${median(costs).toFixed(0)} | ${((heapAfter - heapBefore) / 1024).toFixed(0)} KiB |`,
  );
  line();
  if (sink < 0) line("unreachable");
}

// ---- 2 and 3: in Chromium -----------------------------------------------------------------------

async function inBrowser(): Promise<void> {
  const unavailable = chromiumUnavailable();
  if (unavailable !== undefined) {
    line(`(browser measurements skipped: ${unavailable})`);
    return;
  }
  const world = await startDashboardWorld({ liveIntervalMs: 1_000 });
  const key = await world.createKey("bench", ["admin", "chat"]);
  const browser = await launchChromium();
  // About 20 requests a second through the gateway the whole time, from another process so that
  // this one's CPU is the hub's (and the simulators'); every 40th finds zai failing and falls back.
  const faults = setInterval(
    () => world.simulators.faults.inject("zai", { kind: "status", status: 503, times: 1 }),
    2_000,
  );
  const load = spawn(process.execPath, ["--input-type=module", "-e", LOAD_SCRIPT], {
    env: { ...process.env, HUB: world.origin, HUB_KEY: key },
    stdio: ["ignore", "ignore", "inherit"],
  });
  try {
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(`${world.origin}/ui/sign-in`);
    await page.getByLabel("Hub key").fill(key);
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/ui\/providers$/);

    line("### First load of each page (Chromium, empty cache, signed in)");
    line();
    line("| page | requests | bytes transferred | of which the page itself |");
    line("|---|---:|---:|---:|");
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send("Network.enable");
    for (const name of ["providers", "traffic", "keys", "audit"]) {
      await cdp.send("Network.clearBrowserCache");
      const sizes = new Map<string, number>();
      const urls = new Map<string, string>();
      const onResponse = (event: { requestId: string; response: { url: string } }) => {
        urls.set(event.requestId, event.response.url);
      };
      const onFinished = (event: { requestId: string; encodedDataLength: number }) => {
        sizes.set(event.requestId, event.encodedDataLength);
      };
      cdp.on("Network.responseReceived", onResponse);
      cdp.on("Network.loadingFinished", onFinished);
      await page.goto(`${world.origin}/ui/${name}`, { waitUntil: "load" });
      await sleep(300);
      cdp.off("Network.responseReceived", onResponse);
      cdp.off("Network.loadingFinished", onFinished);
      let total = 0;
      let document = 0;
      for (const [id, bytes] of sizes) {
        const url = urls.get(id) ?? "";
        if (url.includes("/ui/events")) continue;
        total += bytes;
        if (url.endsWith(`/ui/${name}`)) document = bytes;
      }
      const requests = [...urls.values()].filter((url) => !url.includes("/ui/events")).length;
      line(
        `| ${name} | ${requests} | ${(total / 1024).toFixed(1)} KiB | ${(document / 1024).toFixed(1)} KiB |`,
      );
    }
    line();

    // CPU of this process (hub, simulators and the load loop) per second of wall time, with no
    // dashboard open and then with one live page open: the difference is the dashboard's.
    const cpuPerSecond = async (): Promise<number> => {
      const before = process.cpuUsage();
      const started = performance.now();
      await sleep(WINDOW_MS);
      const used = process.cpuUsage(before);
      return (used.user + used.system) / 1000 / ((performance.now() - started) / 1000);
    };
    // One live page costs less than this process's CPU varies from window to window, so TABS pages
    // are opened at once and the difference divided by TABS. Windows alternate (none, providers,
    // none, traffic, …) so that drift hits every kind alike.
    const tabs = [page];
    while (tabs.length < TABS) tabs.push(await browser.context.newPage());
    const windows = { none: [] as number[], providers: [] as number[], traffic: [] as number[] };
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const name of ["providers", "traffic"] as const) {
        await Promise.all(tabs.map((tab) => tab.goto("about:blank")));
        await sleep(1_000);
        windows.none.push(await cpuPerSecond());
        await Promise.all(tabs.map((tab) => tab.goto(`${world.origin}/ui/${name}`)));
        await Promise.all(tabs.map((tab) => tab.locator("#live-state.on").waitFor()));
        await sleep(1_000);
        windows[name].push(await cpuPerSecond());
      }
    }
    const baseline = median(windows.none);
    line(
      `### Hub CPU with live dashboards open (≈20 gateway requests/s throughout; ${TABS} pages open at once; median of ${ROUNDS} windows of ${WINDOW_MS / 1000} s)`,
    );
    line();
    line("| live pages open | CPU ms per second | extra per open page (ms per second) |");
    line("|---|---:|---:|");
    line(`| none | ${baseline.toFixed(1)} | — |`);
    for (const name of ["providers", "traffic"] as const) {
      const open = median(windows[name]);
      line(`| ${TABS} × ${name} | ${open.toFixed(1)} | ${((open - baseline) / TABS).toFixed(2)} |`);
    }
    line();
  } finally {
    clearInterval(faults);
    load.kill();
    await browser.close();
    await world.close();
  }
}

recordCost();
await inBrowser();
