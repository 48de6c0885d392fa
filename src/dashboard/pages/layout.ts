// The frame every dashboard page shares: head (the hub's own stylesheet and script, nothing from
// elsewhere), a skip link, the navigation, who is signed in with a sign-out button, and a status line
// that announces results and live changes to screen readers.
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { DashboardSession } from "../sessions.ts";

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export const PAGES = [
  { id: "providers", title: "Providers" },
  { id: "traffic", title: "Traffic" },
  { id: "keys", title: "Keys" },
  { id: "files", title: "Files" },
  { id: "audit", title: "Sessions and audit" },
] as const;

export type PageId = (typeof PAGES)[number]["id"];

/** What every page renderer knows about the request. */
export interface PageContext {
  /** Where the dashboard is mounted, e.g. `/ui`. */
  base: string;
  session: DashboardSession;
  /** Whether the signed-in key may change things (reset, create, revoke, verify, sync). */
  admin: boolean;
  now: number;
}

function head(base: string, title: string): Html {
  return html`<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${title} · ai-orchestrator hub</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${base}/assets/dashboard.css">
<script src="${base}/assets/dashboard.js" defer></script>
</head>`;
}

/** A signed-in page. `live` is the event feed the page subscribes to, if it updates itself. */
export function page(context: PageContext, id: PageId, body: Html, live?: string): Html {
  const { base, session } = context;
  const title = PAGES.find((entry) => entry.id === id)?.title ?? id;
  const flash = session.flash;
  session.flash = undefined;
  const role = context.admin ? "admin" : "read-only";
  return html`<!doctype html>
<html lang="en">
${head(base, title)}
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="${base}/providers">ai-orchestrator hub</a>
  <nav aria-label="Dashboard pages">
    <ul>
      ${PAGES.map(
        (entry) =>
          html`<li><a href="${base}/${entry.id}"${entry.id === id ? html` aria-current="page"` : ""}>${entry.title}</a></li>`,
      )}
    </ul>
  </nav>
  <div class="who">
    <span>Signed in as <strong>${session.principal.name}</strong> <span class="tag">${role}</span></span>
    <form method="post" action="${base}/sign-out">
      ${csrfField(session)}
      <button type="submit" class="link">Sign out</button>
    </form>
  </div>
</header>
<main id="main" tabindex="-1"${live ? html` data-live="${live}"` : ""} data-sign-in="${base}/sign-in">
<div class="title-row">
  <h1>${title}</h1>
  ${live ? html`<span id="live-state" class="live" aria-live="off">connecting…</span>` : ""}
</div>
<p id="status" class="status" role="status" aria-live="polite">${flash ?? ""}</p>
${body}
</main>
</body>
</html>`;
}

/** A page outside a session: sign-in and errors before sign-in. */
export function barePage(base: string, title: string, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
${head(base, title)}
<body class="bare">
<main id="main" tabindex="-1">
<p class="brand">ai-orchestrator hub</p>
<h1>${title}</h1>
${body}
</main>
</body>
</html>`;
}

export function csrfField(session: DashboardSession): Html {
  return html`<input type="hidden" name="csrf" value="${session.csrfToken}">`;
}

/** A panel for a part this hub does not have (yet). */
export function notAvailable(what: string, why: string): Html {
  return html`<section class="panel unavailable" aria-label="${what}">
<h2>${what}</h2>
<p><strong>Not available</strong>: ${why}</p>
</section>`;
}
