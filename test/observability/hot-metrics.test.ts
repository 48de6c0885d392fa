// The hub's request-path counters and histograms read by Prometheus exactly as prom-client's own would
// read the same observations: names, labels, cumulative buckets, +Inf, sum and count, and a reset.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Counter, Histogram, Registry } from "prom-client";
import { HotCounter, HotHistogram } from "../../src/observability/hot-metrics.ts";

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05];
const LABELS = ["route", "dialect"] as const;

test("/metrics shows the same series for hot children as for prom-client's labelled calls", async () => {
  const plain = new Registry();
  const hot = new Registry();
  const histograms = {
    plain: new Histogram({
      name: "t_seconds",
      help: "h",
      labelNames: LABELS,
      buckets: BUCKETS,
      registers: [plain],
    }),
    hot: new HotHistogram({
      name: "t_seconds",
      help: "h",
      labelNames: LABELS,
      buckets: BUCKETS,
      registers: [hot],
    }),
  };
  const counters = {
    plain: new Counter({ name: "t_total", help: "c", labelNames: [...LABELS, "status"], registers: [plain] }),
    hot: new HotCounter({ name: "t_total", help: "c", labelNames: [...LABELS, "status"], registers: [hot] }),
  };
  // On a bound, between bounds, below the first and beyond the last.
  const values = [0.0001, 0.0005, 0.001, 0.003, 0.01, 0.2, 5, 0.00049];
  for (const [index, value] of values.entries()) {
    const route = index % 3 === 0 ? "/v1/messages" : "/v1/chat/completions";
    const dialect = index % 2 === 0 ? "anthropic" : "openai";
    const status = String(200 + (index % 2));
    histograms.plain.observe({ route, dialect }, value);
    histograms.hot.child(route, dialect).observe(value);
    counters.plain.inc({ route, dialect, status });
    counters.hot.child(route, dialect, status).inc();
    if (index === 3) assert.equal(await hot.metrics(), await plain.metrics());
  }
  counters.plain.inc({ route: "/metrics", dialect: "openai", status: "403" }, 7);
  counters.hot.child("/metrics", "openai", "403").inc(7);

  const text = await hot.metrics();
  assert.equal(text, await plain.metrics());
  assert.match(text, /t_seconds_bucket\{le="0.0005",route="\/v1\/chat\/completions",dialect="openai"\} 2\n/);
  assert.match(text, /t_seconds_count\{route="\/v1\/chat\/completions",dialect="openai"\} 3\n/);
  assert.match(text, /t_total\{route="\/metrics",dialect="openai",status="403"\} 7/);
  assert.deepEqual(await hot.getMetricsAsJSON(), await plain.getMetricsAsJSON());

  plain.resetMetrics();
  hot.resetMetrics();
  assert.equal(await hot.metrics(), await plain.metrics());
  assert.throws(() => histograms.hot.observe({ route: "/v1/messages" }, 1), /observed through child/);
});
