// The Sessions and audit page: live hub-routed sandbox sessions, and the audit chain — whether it
// verifies (or the first row that does not) and its latest entries.
import { html } from "hono/html";
import type { AuditRow, ChainVerdict } from "../../audit/audit-trail.ts";
import type { SandboxSessionView } from "../sources.ts";
import { relativeTo, timeOf } from "./format.ts";
import { type Html, notAvailable, type PageContext, page } from "./layout.ts";

function sessionsPanel(context: PageContext, sessions: readonly SandboxSessionView[] | undefined): Html {
  if (sessions === undefined) {
    return notAvailable("Sandbox sessions", "sandbox sessions are not routed through this hub.");
  }
  return html`<section class="panel" aria-labelledby="sessions-heading">
<h2 id="sessions-heading">Sandbox sessions</h2>
${
  sessions.length === 0
    ? html`<p class="muted">No sandbox session is running.</p>`
    : html`<div class="scroll"><table class="data">
<thead><tr><th scope="col">Session key</th><th scope="col">Mode</th><th scope="col">Runtime</th><th scope="col">Requests</th><th scope="col">Tokens in</th><th scope="col">Tokens out</th><th scope="col">Last answered by</th><th scope="col">Fallbacks</th><th scope="col">Last request</th></tr></thead>
<tbody>${sessions.map(
        (
          session,
        ) => html`<tr><th scope="row"><code>${session.key}</code></th><td>${session.mode}</td><td>${session.runtime}</td>
<td>${session.requests}</td><td>${session.tokensIn}</td><td>${session.tokensOut}</td><td>${session.lastProvider ?? "–"}</td><td>${session.fallbacks}</td>
<td>${session.lastRequestAt === undefined ? "–" : relativeTo(session.lastRequestAt, context.now)}</td></tr>`,
      )}</tbody></table></div>`
}
</section>`;
}

function verdictLine(verdict: ChainVerdict, checkedAt: number, now: number): Html {
  const when = relativeTo(checkedAt, now);
  if (verdict.ok) {
    return html`<p class="verdict good" id="audit-verdict"><strong>The chain verifies</strong>: ${verdict.rows} rows, head <code>${verdict.head.slice(0, 16)}…</code> <span class="muted">(checked ${when})</span></p>`;
  }
  return html`<p class="verdict bad" id="audit-verdict" role="alert"><strong>The chain is broken at row ${verdict.seq}</strong>: ${verdict.problem} <span class="muted">(${verdict.rows} rows verified before it; checked ${when})</span></p>`;
}

function details(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  const text = JSON.stringify(value);
  return text === "{}" ? "" : text;
}

export function auditPage(
  context: PageContext,
  view: {
    sessions: readonly SandboxSessionView[] | undefined;
    audit: { verdict: ChainVerdict; checkedAt: number; rows: readonly AuditRow[] } | undefined;
  },
): Html {
  const { audit } = view;
  return page(
    context,
    "audit",
    html`${sessionsPanel(context, view.sessions)}
${
  audit === undefined
    ? notAvailable("Audit trail", "this hub was started without a store, so it keeps no audit trail.")
    : html`<section class="panel" aria-labelledby="audit-heading">
<h2 id="audit-heading">Audit trail</h2>
${verdictLine(audit.verdict, audit.checkedAt, context.now)}
${
  audit.rows.length === 0
    ? html`<p class="muted">No entries yet.</p>`
    : html`<div class="scroll"><table class="data audit">
<caption>Latest ${audit.rows.length} entries, newest first</caption>
<thead><tr><th scope="col" class="number">Row</th><th scope="col">Time</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Subject</th><th scope="col">Outcome</th><th scope="col">Details</th></tr></thead>
<tbody>${audit.rows.map(
        (
          row,
        ) => html`<tr><td class="number">${row.seq}</td><td>${timeOf(row.at)}</td><td>${row.actor}</td><td>${row.action}</td>
<td><code>${row.subject}</code></td><td class="${row.outcome === "ok" ? "" : "bad"}">${row.outcome}</td><td class="details">${details(row.details)}</td></tr>`,
      )}</tbody></table></div>`
}
</section>`
}`,
  );
}
