// The sign-in page (paste a hub key with the admin or dashboard scope) and the page for a refused
// request; both render without a session.
import { html } from "hono/html";
import { barePage, type Html } from "./layout.ts";

export function signInPage(
  base: string,
  view: { next?: string | undefined; problem?: string | undefined },
): Html {
  return barePage(
    base,
    "Sign in",
    html`<form method="post" action="${base}/sign-in" class="sign-in">
  ${view.problem ? html`<p class="problem" role="alert" id="sign-in-problem">${view.problem}</p>` : ""}
  <p><label for="key">Hub key</label>
  <input id="key" name="key" type="password" required autocomplete="off" spellcheck="false" autofocus
    aria-describedby="key-hint${view.problem ? " sign-in-problem" : ""}"></p>
  <p id="key-hint" class="hint">A key with the <code>admin</code> or the read-only <code>dashboard</code> scope, e.g. from
  <code>ai-orchestrator keys create --name me --scopes dashboard</code>. The key itself is not kept: signing in starts a session
  that ends when you sign out.</p>
  ${view.next ? html`<input type="hidden" name="next" value="${view.next}">` : ""}
  <button type="submit">Sign in</button>
</form>`,
  );
}

/** A refused or failed request. */
export function problemPage(base: string, title: string, message: string): Html {
  return barePage(
    base,
    title,
    html`<p class="problem" role="alert">${message}</p>
<p><a href="${base}/providers">Back to the dashboard</a></p>`,
  );
}
