// Gateway overhead: the same chat completion sent to a minimal upstream directly, through a bare
// Node proxy (the floor for any Node gateway here), through our hub (`ai-orchestrator serve`) and
// through Portkey's open-source gateway, side by side in one run;
// non-streaming and streaming, at 1, 20 and 100 closed-loop clients. Upstream, gateways and load
// generator each run in their own process on 127.0.0.1.
// `npm run bench -- gateway`; `npm run bench -- gateway --soak` instead sends 1,000,000 requests
// through the hub and follows its memory (`--soak-requests=N` for another count).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { request } from "undici";
import { type Hub, hubMissing, startHub } from "./gateway/hub.ts";
import { PORTKEY_VERSION, portkeyHeaders, startPortkey } from "./gateway/portkey.ts";
import {
  cpuMilliseconds,
  type LoadGenerator,
  listeningLine,
  residentMegabytes,
  type ServerProcess,
  startLoadGenerator,
  startServer,
  stopServer,
} from "./gateway/processes.ts";
import { type LoadJob, type LoadResult, UPSTREAM_REPLY } from "./gateway/protocol.ts";

/**
 * Requests per row (the same for every leg) by number of clients, each after a tenth as many
 * warm-up requests. One client gets fewer: Portkey holds back the first event of every stream for
 * 25 ms, so its single-client streaming row alone would otherwise take minutes.
 */
const REQUESTS_BY_CLIENTS = new Map([
  [1, 1_000],
  [20, 3_000],
  [100, 3_000],
]);
/** Before the first row, each leg gets this many plain and as many streamed requests at 20 clients, so every process has compiled its hot paths. */
const LEG_WARMUP = 1_000;
const SOAK_CLIENTS = 20;
const SOAK_CHUNK = 100_000;
const SOAK_WARMUP = 10_000;

const line = (text = "") => process.stdout.write(`${text}\n`);
const progress = (text: string) => process.stderr.write(`${text}\n`);

// ---- legs: who the load generator talks to ------------------------------------------------------

type LegName = "direct" | "bare proxy" | "hub" | "Portkey";

interface Leg {
  name: LegName;
  url: string;
  headers: Record<string, string>;
  model: string;
  /** The gateway's process, for its memory; the direct leg has none of its own. */
  server?: ServerProcess;
}

const bodyFor = (leg: Leg, stream: boolean): string =>
  JSON.stringify({ model: leg.model, messages: [{ role: "user", content: "Say hello." }], stream });

/** One plain and one streamed request must come back with the upstream's words before a leg is measured. */
async function verify(leg: Leg): Promise<void> {
  for (const stream of [false, true]) {
    const response = await request(leg.url, {
      method: "POST",
      headers: leg.headers,
      body: bodyFor(leg, stream),
    });
    const text = await response.body.text();
    const pieces = stream ? ["Hello from ", "the benchmark upstream.", "data: [DONE]"] : [UPSTREAM_REPLY];
    if (response.statusCode !== 200 || !pieces.every((piece) => text.includes(piece))) {
      const kind = stream ? "streamed" : "plain";
      throw new Error(`a ${kind} request came back HTTP ${response.statusCode}: ${text.slice(0, 300)}`);
    }
  }
}

function jobFor(leg: Leg, stream: boolean, clients: number, requests: number, warmup: number): LoadJob {
  return {
    url: leg.url,
    headers: leg.headers,
    body: bodyFor(leg, stream),
    stream,
    expect: stream ? "data: [DONE]" : UPSTREAM_REPLY,
    clients,
    warmup,
    requests,
  };
}

// ---- the load generator process -------------------------------------------------------------------

// ---- formatting -----------------------------------------------------------------------------------

const ms = (value: number): string => value.toFixed(2);
const signedMs = (value: number): string => `${value >= 0 ? "+" : ""}${value.toFixed(2)}`;
const rate = (result: LoadResult): number => result.requests / result.seconds;
const thousands = (value: number): string => Math.round(value).toLocaleString("en");
const cpuMs = (value: number | undefined): string => (value === undefined ? "–" : value.toFixed(3));

interface Row {
  stream: boolean;
  clients: number;
  leg: LegName;
  result: LoadResult;
  /** CPU ms per request of the leg's own server process (none for direct), the upstream and the load generator. */
  cpu: { leg: number | undefined; upstream: number | undefined; load: number | undefined };
}

/** CPU ms per request a process spent between two readings of `cpuMilliseconds`. */
function perRequest(
  before: number | undefined,
  after: number | undefined,
  requests: number,
): number | undefined {
  return before === undefined || after === undefined ? undefined : (after - before) / requests;
}

function printTable(rows: Row[]): void {
  line(
    "| mode | clients | leg | p50 ms | p99 ms | added p50 ms | added p99 ms | req/s | % of direct | x-aio-overhead-ms p50 | CPU ms/request | upstream CPU ms/request | load generator CPU ms/request |",
  );
  line("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const row of rows) {
    const direct = rows.find(
      (other) => other.leg === "direct" && other.stream === row.stream && other.clients === row.clients,
    );
    const { result } = row;
    const added = (value: number, base: number | undefined): string =>
      row.leg === "direct" || base === undefined ? "–" : signedMs(value - base);
    const share = direct === undefined ? "–" : `${Math.round((100 * rate(result)) / rate(direct.result))}%`;
    const failures = result.failures === 0 ? "" : ` (${result.failures} failed)`;
    line(
      [
        "",
        row.stream ? "streaming" : "non-streaming",
        row.clients,
        row.leg,
        ms(result.p50Ms),
        ms(result.p99Ms),
        added(result.p50Ms, direct?.result.p50Ms),
        added(result.p99Ms, direct?.result.p99Ms),
        `${thousands(rate(result))}${failures}`,
        row.leg === "direct" ? "–" : share,
        result.overheadP50Ms === null ? "–" : ms(result.overheadP50Ms),
        cpuMs(row.cpu.leg),
        cpuMs(row.cpu.upstream),
        cpuMs(row.cpu.load),
        "",
      ]
        .join(" | ")
        .trim(),
    );
  }
}

// ---- the two runs ---------------------------------------------------------------------------------

async function sideBySide(legs: Leg[], load: LoadGenerator, upstream: ServerProcess): Promise<void> {
  const gateways = legs.flatMap((leg) =>
    leg.server === undefined ? [] : [{ leg, pid: leg.server.child.pid ?? 0 }],
  );
  const memoryAtStart = gateways.map(({ pid }) => residentMegabytes(pid));
  for (const leg of legs) {
    for (const stream of [false, true]) await load.run(jobFor(leg, stream, 20, LEG_WARMUP, 0));
  }
  const rows: Row[] = [];
  for (const stream of [false, true]) {
    for (const [clients, requests] of REQUESTS_BY_CLIENTS) {
      // Legs take turns within each configuration, so a drift in the machine's load touches all alike.
      for (const leg of legs) {
        const job = jobFor(leg, stream, clients, requests, Math.round(requests / 10));
        // CPU time is read around the whole job, so it is divided by every request, warm-up included.
        const cpuBefore = { leg: cpuOf(leg.server), upstream: cpuOf(upstream), load: loadCpu(load) };
        const result = await load.run(job);
        const sent = job.warmup + job.requests;
        const cpu = {
          leg: perRequest(cpuBefore.leg, cpuOf(leg.server), sent),
          upstream: perRequest(cpuBefore.upstream, cpuOf(upstream), sent),
          load: perRequest(cpuBefore.load, loadCpu(load), sent),
        };
        rows.push({ stream, clients, leg: leg.name, result, cpu });
        const failed = result.failures === 0 ? "" : `, ${result.failures} failed: ${result.firstFailure}`;
        progress(
          `  ${stream ? "streaming" : "non-streaming"} × ${clients}: ${leg.name} p50 ${ms(result.p50Ms)} ms, ${thousands(rate(result))} req/s${failed}`,
        );
      }
    }
  }
  const counts = [...REQUESTS_BY_CLIENTS].map(
    ([clients, requests]) =>
      `${requests.toLocaleString("en")} at ${clients} client${clients === 1 ? "" : "s"}`,
  );
  line(
    `Requests per row: ${counts.join(", ")}, each after a tenth as many warm-up requests (and ${LEG_WARMUP.toLocaleString("en")} plain and ${LEG_WARMUP.toLocaleString("en")} streamed per leg before the first row); latency is to the last byte of the answer; CPU ms/request is the user and system time of the leg's server process (and of the upstream, and of the load generator) over the row, warm-up included, per request.`,
  );
  line();
  printTable(rows);
  line();
  const memory = gateways.map(
    ({ leg, pid }, index) =>
      `${leg.name} ${memoryAtStart[index]?.toFixed(0)} MB → ${residentMegabytes(pid).toFixed(0)} MB`,
  );
  if (memory.length > 0)
    line(`Resident memory of the gateways, started and verified → after the run: ${memory.join(", ")}.`);
}

const cpuOf = (server: ServerProcess | undefined): number | undefined =>
  server?.child.pid === undefined ? undefined : cpuMilliseconds(server.child.pid);
const loadCpu = (load: LoadGenerator): number | undefined =>
  load.pid === undefined ? undefined : cpuMilliseconds(load.pid);

async function soak(hub: Leg, load: LoadGenerator, total: number): Promise<void> {
  const pid = hub.server?.child.pid ?? 0;
  const idle = residentMegabytes(pid);
  await load.run(jobFor(hub, false, SOAK_CLIENTS, SOAK_WARMUP, 0));
  const warm = residentMegabytes(pid);
  line(
    `${total.toLocaleString("en")} requests through the hub at ${SOAK_CLIENTS} clients, alternating chunks of ${SOAK_CHUNK.toLocaleString("en")} plain and streamed, after ${SOAK_WARMUP.toLocaleString("en")} warm-up requests.`,
  );
  line();
  line("| requests so far | chunk | p50 ms | p99 ms | req/s | hub RSS MB |");
  line("|---:|---|---:|---:|---:|---:|");
  line(`| 0 (idle) | – | – | – | – | ${idle.toFixed(1)} |`);
  line(`| 0 (after warm-up) | – | – | – | – | ${warm.toFixed(1)} |`);
  let sent = 0;
  for (let chunk = 0; sent < total; chunk += 1) {
    const stream = chunk % 2 === 1;
    const count = Math.min(SOAK_CHUNK, total - sent);
    const result = await load.run(jobFor(hub, stream, SOAK_CLIENTS, count, 0));
    sent += count;
    const failed = result.failures === 0 ? "" : ` (${result.failures} failed: ${result.firstFailure})`;
    line(
      `| ${sent.toLocaleString("en")} | ${stream ? "streaming" : "non-streaming"} | ${ms(result.p50Ms)} | ${ms(result.p99Ms)} | ${thousands(rate(result))}${failed} | ${residentMegabytes(pid).toFixed(1)} |`,
    );
  }
  const end = residentMegabytes(pid);
  line();
  line(
    `Hub RSS: ${idle.toFixed(1)} MB idle, ${warm.toFixed(1)} MB after warm-up, ${end.toFixed(1)} MB at the end.`,
  );
}

// ---- main -----------------------------------------------------------------------------------------

function readOptions(): { soak: boolean; soakRequests: number } {
  const usage = "usage: npm run bench -- gateway [--soak [--soak-requests=N]]";
  try {
    const { values } = parseArgs({
      options: { soak: { type: "boolean", default: false }, "soak-requests": { type: "string" } },
    });
    const soakRequests = Number(values["soak-requests"] ?? 1_000_000);
    if (Number.isInteger(soakRequests) && soakRequests > 0) return { soak: values.soak, soakRequests };
    process.stderr.write(`--soak-requests must be a positive whole number, got ${values["soak-requests"]}\n`);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.stderr.write(`${usage}\n`);
  process.exit(2);
}

const options = readOptions();
const scratch = mkdtempSync(join(tmpdir(), "aio-bench-gateway-"));
const servers: ServerProcess[] = [];
let hub: Hub | undefined;
let keepLogs = false;
const load = startLoadGenerator();
try {
  const upstream = await startServer({
    name: "the upstream",
    args: [join(import.meta.dirname, "gateway", "upstream.ts")],
    logFile: join(scratch, "upstream.log"),
    ready: listeningLine,
  });
  servers.push(upstream);
  const json = { "content-type": "application/json" };
  const candidates: Array<{ name: LegName; start: () => Promise<Leg> }> = [
    {
      name: "direct",
      start: async () => ({
        name: "direct",
        url: `${upstream.url}/v1/chat/completions`,
        headers: { ...json, authorization: "Bearer sk-bench-upstream" },
        model: "glm-4.6",
      }),
    },
  ];
  if (!options.soak) {
    candidates.push({
      name: "bare proxy",
      start: async () => {
        const proxy = await startServer({
          name: "the bare proxy",
          args: [join(import.meta.dirname, "gateway", "bare-proxy.ts"), upstream.url],
          logFile: join(scratch, "bare-proxy.log"),
          ready: listeningLine,
        });
        servers.push(proxy);
        return {
          name: "bare proxy",
          url: `${proxy.url}/v1/chat/completions`,
          headers: { ...json, authorization: "Bearer sk-bench-upstream" },
          model: "glm-4.6",
          server: proxy,
        };
      },
    });
  }
  const missing = hubMissing();
  if (missing !== undefined) line(`hub: ${missing}`);
  else {
    candidates.push({
      name: "hub",
      start: async () => {
        hub = await startHub(upstream.url, join(scratch, "hub.log"));
        servers.push(hub.server);
        return {
          name: "hub",
          url: `${hub.server.url}/v1/chat/completions`,
          headers: { ...json, authorization: `Bearer ${hub.key}` },
          model: "zai/glm-4.6",
          server: hub.server,
        };
      },
    });
  }
  if (!options.soak) {
    candidates.push({
      name: "Portkey",
      start: async () => {
        const portkey = await startPortkey(join(scratch, "portkey.log"));
        servers.push(portkey);
        return {
          name: "Portkey",
          url: `${portkey.url}/v1/chat/completions`,
          headers: { ...json, authorization: "Bearer sk-bench-upstream", ...portkeyHeaders(upstream.url) },
          model: "glm-4.6",
          server: portkey,
        };
      },
    });
  }
  const legs: Leg[] = [];
  for (const candidate of candidates) {
    try {
      const leg = await candidate.start();
      await verify(leg);
      legs.push(leg);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const version = candidate.name === "Portkey" ? ` (@portkey-ai/gateway ${PORTKEY_VERSION})` : "";
      line(`${candidate.name}: not measured: ${reason}${version}`);
      keepLogs = true;
    }
  }
  line();
  if (options.soak) {
    const hubLeg = legs.find((leg) => leg.name === "hub");
    if (hubLeg === undefined) line("Nothing to soak without the hub.");
    else await soak(hubLeg, load, options.soakRequests);
  } else {
    await sideBySide(legs, load, upstream);
  }
} finally {
  load.close();
  await Promise.all(servers.map(stopServer));
  if (hub !== undefined) rmSync(hub.home, { recursive: true, force: true });
  if (keepLogs) line(`(logs of the servers: ${scratch})`);
  else rmSync(scratch, { recursive: true, force: true });
}
