// The Keys page: every hub key with its scopes, providers, expiry and last use; admins create keys
// (the new key is shown once, with a copy button, and never again) and revoke them.
import { html } from "hono/html";
import type { KeyView } from "../sources.ts";
import { relativeTo, timeOf } from "./format.ts";
import { csrfField, type Html, type PageContext, page } from "./layout.ts";

/** Lifetimes the create form offers, by label. */
export const KEY_LIFETIMES: ReadonlyArray<{ value: string; label: string; ms: number | undefined }> = [
  { value: "never", label: "never expires", ms: undefined },
  { value: "1d", label: "1 day", ms: 86_400_000 },
  { value: "7d", label: "7 days", ms: 7 * 86_400_000 },
  { value: "30d", label: "30 days", ms: 30 * 86_400_000 },
  { value: "90d", label: "90 days", ms: 90 * 86_400_000 },
];

function stateOf(key: KeyView, now: number): { label: string; className: string } {
  if (key.revokedAt !== undefined) return { label: "revoked", className: "bad" };
  if (key.expiresAt !== undefined && key.expiresAt <= now) return { label: "expired", className: "bad" };
  return { label: "active", className: "good" };
}

function keysTable(context: PageContext, keys: readonly KeyView[]): Html {
  const { now } = context;
  if (keys.length === 0) return html`<p class="muted">No hub keys yet.</p>`;
  return html`<table class="data keys">
<caption>Hub keys, oldest first</caption>
<thead><tr>
  <th scope="col">Name</th><th scope="col">Prefix</th><th scope="col">Scopes</th><th scope="col">Providers</th>
  <th scope="col">Expires</th><th scope="col">Last use</th><th scope="col">Created</th><th scope="col">State</th>
  ${context.admin ? html`<th scope="col"><span class="visually-hidden">Actions</span></th>` : ""}
</tr></thead>
<tbody>
${keys.map((key) => {
  const state = stateOf(key, now);
  const active = state.label === "active";
  return html`<tr data-key="${key.name}">
  <th scope="row">${key.name}${key.kind !== "key" ? html` <span class="tag">${key.kind}</span>` : ""}${
    key.id === context.session.principal.keyId ? html` <span class="tag">you</span>` : ""
  }</th>
  <td><code>${key.prefix}…</code></td>
  <td>${key.scopes.join(", ")}</td>
  <td>${key.providers === undefined ? html`<span class="muted">all</span>` : key.providers.join(", ") || "none"}</td>
  <td>${key.expiresAt === undefined ? html`<span class="muted">never</span>` : html`${timeOf(key.expiresAt)} <span class="muted">(${relativeTo(key.expiresAt, now)})</span>`}</td>
  <td>${relativeTo(key.lastUsedAt, now)}</td>
  <td>${timeOf(key.createdAt)}</td>
  <td class="${state.className}">${state.label}</td>
  ${
    context.admin
      ? html`<td>${
          active
            ? html`<form method="post" action="${context.base}/keys/${encodeURIComponent(key.id)}/revoke">
    ${csrfField(context.session)}
    <button type="submit" class="danger">Revoke <span class="visually-hidden">${key.name}</span></button>
  </form>`
            : ""
        }</td>`
      : ""
  }
</tr>`;
})}
</tbody>
</table>`;
}

function createForm(context: PageContext, scopes: readonly string[], providers: readonly string[]): Html {
  return html`<section class="panel" aria-labelledby="create-heading">
<h2 id="create-heading">Create a key</h2>
<form method="post" action="${context.base}/keys" class="create-key">
  ${csrfField(context.session)}
  <p><label for="key-name">Name</label>
  <input id="key-name" name="name" required maxlength="64" autocomplete="off" aria-describedby="key-name-hint">
  <span id="key-name-hint" class="hint">Letters, digits, <code>. _ : @ -</code>; unique among active keys.</span></p>
  <fieldset><legend>Scopes</legend>
    ${scopes.map(
      (scope) =>
        html`<label class="check"><input type="checkbox" name="scopes" value="${scope}"${scope === "chat" ? " checked" : ""}> ${scope}</label>`,
    )}
  </fieldset>
  <fieldset><legend>Providers <span class="hint">(none ticked: every provider)</span></legend>
    ${providers.map(
      (provider) =>
        html`<label class="check"><input type="checkbox" name="providers" value="${provider}"> ${provider}</label>`,
    )}
  </fieldset>
  <p><label for="key-expiry">Expires</label>
  <select id="key-expiry" name="expires">
    ${KEY_LIFETIMES.map((lifetime) => html`<option value="${lifetime.value}">${lifetime.label}</option>`)}
  </select></p>
  <p><label for="key-rpm">Requests per minute <span class="hint">(empty: no limit)</span></label>
  <input id="key-rpm" name="rpm" type="number" min="1" step="1" inputmode="numeric"></p>
  <button type="submit">Create key</button>
</form>
</section>`;
}

/** The key just created, shown once. */
function createdKey(created: { name: string; key: string }): Html {
  return html`<section class="panel created" aria-labelledby="created-heading">
<h2 id="created-heading">Key "${created.name}" created</h2>
<p><strong>Copy it now: it is shown only this once.</strong> The hub keeps only its hash.</p>
<p class="copy-row"><label for="created-key" class="visually-hidden">The new key</label>
<input id="created-key" readonly value="${created.key}" spellcheck="false" autocomplete="off">
<button type="button" data-copy="created-key">Copy</button></p>
</section>`;
}

export function keysPage(
  context: PageContext,
  view: {
    keys: readonly KeyView[];
    scopes: readonly string[];
    providers: readonly string[];
    created?: { name: string; key: string } | undefined;
    problem?: string | undefined;
  },
): Html {
  return page(
    context,
    "keys",
    html`${view.created ? createdKey(view.created) : ""}
${view.problem ? html`<p class="problem" role="alert">${view.problem}</p>` : ""}
<section class="panel" aria-labelledby="keys-heading">
<h2 id="keys-heading">All keys</h2>
<div class="scroll">${keysTable(context, view.keys)}</div>
</section>
${context.admin ? createForm(context, view.scopes, view.providers) : ""}`,
  );
}
