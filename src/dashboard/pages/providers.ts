// The Providers page: each provider's circuit, bulkhead use, requests, error rate and latency over the
// traffic window, and its last error; admins get a button that closes an open circuit. The table is
// one live fragment, re-sent by the event feed whenever any of it changes.
import { html } from "hono/html";
import type { ProviderTraffic } from "../../observability/traffic.ts";
import type { PolicyStatus } from "../../resilience/policy.ts";
import { durationOf, millisecondsOf, percentOf, timeOf } from "./format.ts";
import { csrfField, type Html, type PageContext, page } from "./layout.ts";

export interface ProviderRow {
  status: PolicyStatus;
  traffic: ProviderTraffic;
}

export const PROVIDERS_FRAGMENT = "providers-table";

const BREAKER_LABELS: Readonly<Record<PolicyStatus["breaker"], string>> = {
  closed: "closed",
  open: "open",
  "half-open": "half-open",
};

export function providersTable(context: PageContext, rows: readonly ProviderRow[], windowMs: number): Html {
  return html`<table class="data providers">
<caption>Circuits and bulkheads now; requests, errors and latency over the last ${durationOf(windowMs)}</caption>
<thead><tr>
  <th scope="col">Provider</th><th scope="col">Circuit</th><th scope="col">Bulkhead</th>
  <th scope="col" class="number">Requests</th><th scope="col" class="number">Error rate</th>
  <th scope="col" class="number">p50</th><th scope="col" class="number">p95</th>
  <th scope="col">Last error</th>${context.admin ? html`<th scope="col"><span class="visually-hidden">Actions</span></th>` : ""}
</tr></thead>
<tbody>
${rows.map(({ status, traffic }) => {
  const bulkhead = status.bulkhead;
  const failure = status.lastFailure;
  return html`<tr data-provider="${status.provider}" data-breaker="${status.breaker}">
  <th scope="row">${status.provider}</th>
  <td><span class="breaker ${status.breaker}">${BREAKER_LABELS[status.breaker]}</span>${
    status.breaker === "open" && status.retryAfterMs !== undefined
      ? html` <span class="muted">probe in ${durationOf(status.retryAfterMs)}</span>`
      : ""
  }${status.consecutiveFailures > 0 ? html`<br><span class="muted">${status.consecutiveFailures} ${status.consecutiveFailures === 1 ? "failure" : "failures"} in a row</span>` : ""}<br><span class="muted">shared: ${status.sharing}</span></td>
  <td><meter min="0" max="${bulkhead.maxConcurrent}" value="${bulkhead.inFlight}" aria-label="${status.provider} calls in flight"></meter>
    ${bulkhead.inFlight}/${bulkhead.maxConcurrent}${bulkhead.queued > 0 ? html`, ${bulkhead.queued}/${bulkhead.maxQueue} queued` : ""}</td>
  <td class="number">${traffic.requests}</td>
  <td class="number${traffic.errors > 0 ? " bad" : ""}">${percentOf(traffic.errorRate)}</td>
  <td class="number">${millisecondsOf(traffic.p50Ms)}</td>
  <td class="number">${millisecondsOf(traffic.p95Ms)}</td>
  <td>${
    failure
      ? html`<span class="error-kind">${failure.kind}${failure.status ? ` ${failure.status}` : ""}</span>, ${timeOf(failure.at)}<br><span class="message">${failure.message}</span>`
      : html`<span class="muted">none</span>`
  }</td>
  ${
    context.admin
      ? html`<td><form method="post" action="${context.base}/providers/${encodeURIComponent(status.provider)}/reset">
    ${csrfField(context.session)}
    <button type="submit" data-focus-key="reset-${status.provider}"${status.breaker === "closed" && status.consecutiveFailures === 0 ? " disabled" : ""}>Reset <span class="visually-hidden">the circuit of ${status.provider}</span></button>
  </form></td>`
      : ""
  }
</tr>`;
})}
</tbody>
</table>`;
}

export function providersPage(
  context: PageContext,
  rows: readonly ProviderRow[],
  windowMs: number,
  live: string,
): Html {
  return page(
    context,
    "providers",
    html`<section class="panel" aria-labelledby="providers-heading">
<h2 id="providers-heading" class="visually-hidden">Provider state</h2>
<div class="scroll" id="${PROVIDERS_FRAGMENT}">${providersTable(context, rows, windowMs)}</div>
<p class="hint">A circuit opens after repeated failures and lets one probe through after its cool-down; while it is open the hub falls back to the next provider of a route. Reset closes it in every process sharing the breaker store.</p>
</section>`,
    live,
  );
}
