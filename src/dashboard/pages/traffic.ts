// The Traffic page: a small chart of requests and errors per provider over the window (inline SVG, one
// row per provider on a shared scale) and the recent requests — who, which dialect and model, which
// provider answered, what was passed over and why, status, latency and tokens — filterable. The chart
// and the table are live fragments; the filter is a plain GET form, so links to a view can be shared.
import { html } from "hono/html";
import type { TrafficEntry, TrafficFilter, TrafficSeries } from "../../observability/traffic.ts";
import { durationOf, millisecondsOf, timeOf } from "./format.ts";
import { type Html, type PageContext, page } from "./layout.ts";

export const TRAFFIC_CHART_FRAGMENT = "traffic-chart";
export const TRAFFIC_TABLE_FRAGMENT = "traffic-table";

/** Rows the table shows at most. */
export const TRAFFIC_ROWS = 100;

const CHART_WIDTH = 300;
const CHART_HEIGHT = 40;

export function trafficChart(series: TrafficSeries, windowMs: number): Html {
  const windowText = durationOf(windowMs);
  if (series.providers.length === 0) return html`<p class="muted">No requests in the last ${windowText}.</p>`;
  const buckets = series.providers[0]?.requests.length ?? 0;
  const peak = Math.max(1, ...series.providers.flatMap((line) => line.requests));
  const barWidth = CHART_WIDTH / Math.max(1, buckets);
  const scale = (count: number): number => (count / peak) * (CHART_HEIGHT - 2);
  return html`<p class="muted">Requests (blue) and errors (red) per ${durationOf(series.bucketMs)} over the last ${windowText}; the tallest bar is ${peak} ${peak === 1 ? "request" : "requests"}.</p>
<ul class="chart">
${series.providers.map((line) => {
  const total = line.requests.reduce((sum, count) => sum + count, 0);
  const errors = line.errors.reduce((sum, count) => sum + count, 0);
  const summary = `${line.provider}: ${total} requests, ${errors} errors in the last ${windowText}`;
  return html`<li>
  <span class="chart-label">${line.provider}</span>
  <svg viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}" width="${CHART_WIDTH}" height="${CHART_HEIGHT}" role="img" aria-label="${summary}" preserveAspectRatio="none">
    <title>${summary}</title>
    <line x1="0" y1="${CHART_HEIGHT - 0.5}" x2="${CHART_WIDTH}" y2="${CHART_HEIGHT - 0.5}" class="axis"/>
    ${line.requests.map((count, index) => {
      if (count === 0) return "";
      const height = scale(count);
      const failed = scale(line.errors[index] ?? 0);
      const x = (index * barWidth + 0.5).toFixed(1);
      const width = Math.max(1, barWidth - 1).toFixed(1);
      return html`<rect class="requests" x="${x}" y="${(CHART_HEIGHT - height).toFixed(1)}" width="${width}" height="${height.toFixed(1)}"/>${
        failed > 0
          ? html`<rect class="errors" x="${x}" y="${(CHART_HEIGHT - failed).toFixed(1)}" width="${width}" height="${failed.toFixed(1)}"/>`
          : ""
      }`;
    })}
  </svg>
  <span class="chart-total">${total} / <span class="${errors > 0 ? "bad" : ""}">${errors} err</span></span>
</li>`;
})}
</ul>`;
}

/** The rows alone: what the live feed prepends to a table already on the page. */
export function trafficRows(entries: readonly TrafficEntry[]): Html {
  return html`${entries.map(
    (entry) => html`<tr data-seq="${entry.seq}">
  <td>${timeOf(entry.at)}</td>
  <td>${entry.key || html`<span class="muted">—</span>`}</td>
  <td>${entry.dialect}</td>
  <td>${entry.model || html`<span class="muted">—</span>`}</td>
  <td>${entry.provider || html`<span class="muted">none</span>`}</td>
  <td>${
    entry.fallbacks.length === 0
      ? html`<span class="muted">—</span>`
      : entry.fallbacks.map(
          (fallback, index) =>
            html`${index > 0 ? ", " : ""}<span class="fallback">${fallback.provider}</span> <span class="muted">(${fallback.kind})</span>`,
        )
  }</td>
  <td class="number${entry.status >= 400 ? " bad" : ""}">${entry.status}</td>
  <td class="number">${millisecondsOf(entry.latencyMs)}</td>
  <td class="number">${entry.tokensIn}/${entry.tokensOut}</td>
</tr>`,
  )}`;
}

export function trafficTable(entries: readonly TrafficEntry[]): Html {
  if (entries.length === 0) return html`<p class="muted">No requests match.</p>`;
  return html`<table class="data traffic">
<caption>Most recent first (at most ${TRAFFIC_ROWS})</caption>
<thead><tr>
  <th scope="col">Time</th><th scope="col">Key</th><th scope="col">Dialect</th><th scope="col">Model</th>
  <th scope="col">Provider</th><th scope="col">Fallbacks</th><th scope="col" class="number">Status</th>
  <th scope="col" class="number">Latency</th><th scope="col" class="number">Tokens in/out</th>
</tr></thead>
<tbody>
${trafficRows(entries)}
</tbody>
</table>`;
}

export interface TrafficChoices {
  providers: string[];
  keys: string[];
  models: string[];
  dialects: string[];
}

function select(name: string, label: string, values: readonly string[], chosen: string | undefined): Html {
  const options = chosen && !values.includes(chosen) ? [...values, chosen] : values;
  return html`<label>${label}
  <select name="${name}">
    <option value="">any</option>
    ${options.map((value) => html`<option value="${value}"${value === chosen ? " selected" : ""}>${value}</option>`)}
  </select>
</label>`;
}

export function trafficPage(
  context: PageContext,
  view: {
    filter: TrafficFilter;
    choices: TrafficChoices;
    series: TrafficSeries;
    windowMs: number;
    entries: readonly TrafficEntry[];
    live: string;
  },
): Html {
  const { filter, choices } = view;
  return page(
    context,
    "traffic",
    html`<section class="panel" aria-labelledby="chart-heading">
<h2 id="chart-heading">Requests and errors per provider</h2>
<div id="${TRAFFIC_CHART_FRAGMENT}">${trafficChart(view.series, view.windowMs)}</div>
</section>
<section class="panel" aria-labelledby="recent-heading">
<h2 id="recent-heading">Recent requests</h2>
<form method="get" action="${context.base}/traffic" class="filters" role="search" aria-label="Filter requests">
  ${select("provider", "Provider", choices.providers, filter.provider)}
  ${select("key", "Key", choices.keys, filter.key)}
  ${select("model", "Model", choices.models, filter.model)}
  ${select("dialect", "Dialect", choices.dialects, filter.dialect)}
  ${select("status", "Status", ["ok", "error"], filter.status)}
  <button type="submit">Filter</button>
  <a href="${context.base}/traffic">Clear</a>
</form>
<div class="scroll" id="${TRAFFIC_TABLE_FRAGMENT}">${trafficTable(view.entries)}</div>
</section>`,
    view.live,
  );
}
