// The Files page: the registry across providers — content hash, name, size, and per provider where a
// copy lives, its health and expiry — with verify and sync for admins. Without a file registry on this
// hub it says so.
import { html } from "hono/html";
import type { FileView } from "../sources.ts";
import { bytesOf, relativeTo } from "./format.ts";
import { csrfField, type Html, notAvailable, type PageContext, page } from "./layout.ts";

export function filesPage(context: PageContext, files: readonly FileView[] | undefined): Html {
  if (files === undefined) {
    return page(
      context,
      "files",
      notAvailable(
        "File registry",
        "this hub was started without a file registry, so there is nothing to list.",
      ),
    );
  }
  const { now } = context;
  return page(
    context,
    "files",
    html`${
      context.admin
        ? html`<div class="actions">
  <form method="post" action="${context.base}/files/verify">${csrfField(context.session)}<button type="submit">Verify copies</button></form>
  <form method="post" action="${context.base}/files/sync">${csrfField(context.session)}<button type="submit">Sync with providers</button></form>
</div>`
        : ""
    }
<section class="panel" aria-labelledby="files-heading">
<h2 id="files-heading">Registry</h2>
${
  files.length === 0
    ? html`<p class="muted">No files registered.</p>`
    : html`<div class="scroll"><table class="data files">
<caption>Files by content; one line per provider copy</caption>
<thead><tr><th scope="col">Name</th><th scope="col">SHA-256</th><th scope="col" class="number">Size</th><th scope="col">Type</th><th scope="col">Copies</th></tr></thead>
<tbody>
${files.map(
  (file) => html`<tr>
  <th scope="row">${file.name}</th>
  <td><code title="${file.sha256}">${file.sha256.slice(0, 12)}…</code></td>
  <td class="number">${bytesOf(file.bytes)}</td>
  <td>${file.mimeType}</td>
  <td><ul class="copies">${file.copies.map(
    (copy) =>
      html`<li><span class="provider">${copy.provider}</span> <span class="${copy.state === "active" ? "good" : "bad"}">${copy.state}</span>${
        copy.expiresAt !== undefined
          ? html` <span class="muted">expires ${relativeTo(copy.expiresAt, now)}</span>`
          : ""
      }</li>`,
  )}</ul></td>
</tr>`,
)}
</tbody></table></div>`
}
</section>`,
  );
}
