// Two builds of the hub side by side, by the CPU time each spends per request: each checkout's
// `ai-orchestrator serve` in front of one shared upstream, jobs alternating between them, so that
// the machine's load touches both alike (and CPU time per request hardly moves with load anyway).
// `node bench/gateway/compare-hubs.ts [--rounds=N (4)] [--cpu-prof=DIR] CHECKOUT...`, where a checkout
// is a directory with bin/ai-orchestrator.js and a built dist/ (`.` for this one); the first is the base.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type Hub, startHub } from "./hub.ts";
import {
  cpuMilliseconds,
  listeningLine,
  type ServerProcess,
  startLoadGenerator,
  startServer,
  stopServer,
} from "./processes.ts";
import { type LoadJob, UPSTREAM_REPLY } from "./protocol.ts";

/** What each round measures, on every hub in turn. */
const JOBS = [
  { clients: 1, stream: false, requests: 2_000 },
  { clients: 20, stream: false, requests: 4_000 },
  { clients: 20, stream: true, requests: 4_000 },
] as const;
const WARMUP = 2_000;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: "string", default: "4" }, "cpu-prof": { type: "string" } },
});
const rounds = Number(values.rounds);
if (positionals.length === 0 || !Number.isInteger(rounds) || rounds < 1) {
  process.stderr.write(
    "usage: node bench/gateway/compare-hubs.ts [--rounds=N] [--cpu-prof=DIR] CHECKOUT...\n",
  );
  process.exit(2);
}
const checkouts = positionals.map((path) => resolve(path));
const profileDir = values["cpu-prof"] === undefined ? undefined : resolve(values["cpu-prof"]);

const jobFor = (hub: Hub, stream: boolean, clients: number, requests: number): LoadJob => ({
  url: `${hub.server.url}/v1/chat/completions`,
  headers: { "content-type": "application/json", authorization: `Bearer ${hub.key}` },
  body: JSON.stringify({ model: "zai/glm-4.6", messages: [{ role: "user", content: "Say hello." }], stream }),
  stream,
  expect: stream ? "data: [DONE]" : UPSTREAM_REPLY,
  clients,
  warmup: 0,
  requests,
});

const cpuOf = (server: ServerProcess): number => cpuMilliseconds(server.child.pid ?? 0) ?? Number.NaN;

const scratch = mkdtempSync(join(tmpdir(), "aio-bench-compare-"));
const servers: ServerProcess[] = [];
const hubs: Hub[] = [];
const load = startLoadGenerator();
try {
  const upstream = await startServer({
    name: "the upstream",
    args: [join(import.meta.dirname, "upstream.ts")],
    logFile: join(scratch, "upstream.log"),
    ready: listeningLine,
  });
  servers.push(upstream);
  for (const [index, checkout] of checkouts.entries()) {
    const hub = await startHub(upstream.url, join(scratch, `hub-${index}.log`), {
      bin: join(checkout, "bin", "ai-orchestrator.js"),
      nodeFlags: profileDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${profileDir}/${index}`],
    });
    hubs.push(hub);
    servers.push(hub.server);
  }
  for (const hub of hubs) {
    for (const stream of [false, true]) await load.run(jobFor(hub, stream, 20, WARMUP));
  }
  // Per job and hub: CPU ms and requests summed over the rounds; the upstream's too.
  const totals = JOBS.map(() => hubs.map(() => ({ hub: 0, upstream: 0, requests: 0, failures: 0 })));
  for (let round = 1; round <= rounds; round += 1) {
    for (const [jobIndex, job] of JOBS.entries()) {
      // The order turns every round: whichever hub goes second in a pair was measured a little
      // dearer here (by up to 15%), so an even number of rounds cancels that out.
      const order = hubs.map((_, index) => index);
      if (round % 2 === 0) order.reverse();
      for (const hubIndex of order) {
        const hub = hubs[hubIndex]!;
        const before = { hub: cpuOf(hub.server), upstream: cpuOf(upstream) };
        const result = await load.run(jobFor(hub, job.stream, job.clients, job.requests));
        const total = totals[jobIndex]![hubIndex]!;
        total.hub += cpuOf(hub.server) - before.hub;
        total.upstream += cpuOf(upstream) - before.upstream;
        total.requests += result.requests;
        total.failures += result.failures;
        process.stderr.write(
          `round ${round}, ${job.clients} × ${job.stream ? "streaming" : "non-streaming"}, ${checkouts[hubIndex]}: ` +
            `${((cpuOf(hub.server) - before.hub) / result.requests).toFixed(3)} ms CPU/request, ${Math.round(result.requests / result.seconds)} req/s` +
            `${result.failures === 0 ? "" : `, ${result.failures} failed: ${result.firstFailure}`}\n`,
        );
      }
    }
  }
  const header = checkouts.map((checkout) => `${checkout}: hub CPU ms/request`);
  process.stdout.write(`| clients, mode | ${header.join(" | ")} | change | upstream CPU ms/request |\n`);
  process.stdout.write(`|---|${checkouts.map(() => "---:|").join("")}---:|---:|\n`);
  for (const [jobIndex, job] of JOBS.entries()) {
    const perHub = totals[jobIndex]!.map((total) => total.hub / total.requests);
    const upstreamCpu = totals[jobIndex]!.map((total) => (total.upstream / total.requests).toFixed(3));
    const base = perHub[0]!;
    const last = perHub.at(-1)!;
    const change = `${last >= base ? "+" : "−"}${Math.abs(Math.round((100 * (last - base)) / base))}%`;
    const requests = totals[jobIndex]![0]!.requests.toLocaleString("en");
    process.stdout.write(
      `| ${job.clients}, ${job.stream ? "streaming" : "non-streaming"} (${requests} requests) | ${perHub.map((value) => value.toFixed(3)).join(" | ")} | ${change} | ${upstreamCpu.join(" / ")} |\n`,
    );
  }
} finally {
  load.close();
  await Promise.all(servers.map(stopServer));
  for (const hub of hubs) rmSync(hub.home, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
}
