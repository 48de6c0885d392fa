// The dashboard's only script: keeps a live page up to date from the hub's event feed (each event
// carries a server-rendered fragment that replaces the element with its id, or rows to put on top of
// a table), announces circuit changes to screen readers, and copies a newly created key. Every page
// works without it, only not live.

(() => {
  const main = document.getElementById("main");
  const statusLine = document.getElementById("status");
  const liveState = document.getElementById("live-state");

  const announce = (text) => {
    if (statusLine) statusLine.textContent = text;
  };

  const breakers = (root) => {
    const states = new Map();
    for (const row of root.querySelectorAll("[data-provider][data-breaker]")) {
      states.set(row.dataset.provider, row.dataset.breaker);
    }
    return states;
  };

  const replace = (id, markup) => {
    const target = document.getElementById(id);
    if (!target) return;
    const focused = document.activeElement?.dataset?.focusKey;
    const before = breakers(target);
    target.innerHTML = markup;
    const after = breakers(target);
    for (const [provider, state] of after) {
      const previous = before.get(provider);
      if (previous !== undefined && previous !== state)
        announce(`The circuit of ${provider} is now ${state}.`);
    }
    if (focused) target.querySelector(`[data-focus-key="${CSS.escape(focused)}"]`)?.focus();
  };

  const setLiveState = (text, on) => {
    if (!liveState) return;
    liveState.textContent = text;
    liveState.classList.toggle("on", on);
  };

  // A live page holds one connection to the hub (a browser allows six per site over HTTP/1.1), so a
  // hidden tab lets go of it and catches up when shown again: the first events after connecting
  // carry every fragment.
  const feed = main?.dataset.live;
  let source;
  const connect = () => {
    source = new EventSource(feed);
    source.addEventListener("open", () => setLiveState("live", true));
    source.addEventListener("error", () => {
      setLiveState("reconnecting…", false);
      // Refused for good (the session ended): reloading lands on the sign-in page.
      if (source.readyState === EventSource.CLOSED) window.location.reload();
    });
    source.addEventListener("fragment", (event) => {
      const { id, html } = JSON.parse(event.data);
      replace(id, html);
    });
    source.addEventListener("rows", (event) => {
      const { id, html, keep } = JSON.parse(event.data);
      const body = document.querySelector(`#${CSS.escape(id)} tbody`);
      if (!body) return;
      body.insertAdjacentHTML("afterbegin", html);
      while (body.rows.length > keep) body.deleteRow(-1);
    });
    source.addEventListener("signed-out", (event) => {
      source.close();
      window.location.assign(event.data || main.dataset.signIn);
    });
  };
  if (feed && "EventSource" in window) {
    connect();
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") {
        source.close();
        setLiveState("paused while hidden", false);
      } else if (source.readyState === EventSource.CLOSED) {
        connect();
      }
    });
  }

  for (const button of document.querySelectorAll("[data-copy]")) {
    button.addEventListener("click", async () => {
      const field = document.getElementById(button.dataset.copy);
      if (!field) return;
      try {
        await navigator.clipboard.writeText(field.value);
      } catch {
        field.select();
        document.execCommand("copy");
      }
      button.textContent = "Copied";
      announce("The key was copied to the clipboard.");
    });
  }
})();
