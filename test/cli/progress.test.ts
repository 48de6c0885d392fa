// A wait at a terminal shows that it goes on, and ends at its deadline with one line saying what to
// check; off a terminal it adds nothing to stderr but still ends at the deadline.
import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { withProgress } from "../../src/cli/progress.ts";
import { isAppError } from "../../src/errors.ts";

/** A screen that records what is written to it, a terminal or not. */
function terminal(isTTY: boolean) {
  let text = "";
  const stream = {
    isTTY,
    write: (chunk: string) => {
      text += chunk;
      return true;
    },
  };
  return { stream, text: () => text };
}

test("at a terminal, a wait past the quiet time counts its seconds, and clears the line when done", async () => {
  const screen = terminal(true);
  const value = await withProgress(() => delay(1300, "answer"), {
    label: "installing things",
    deadlineMs: 60_000,
    hint: "check the network",
    quietMs: 100,
    stream: screen.stream,
  });
  assert.equal(value, "answer");
  assert.match(screen.text(), /installing things… \d+ s \(up to 60 s\)/);
  assert.ok(screen.text().endsWith("\r\u001b[K"), "the progress line is cleared");
});

test("a wait that passes its deadline ends with one line naming it and the fix, and aborts the work", async () => {
  for (const isTTY of [true, false]) {
    const screen = terminal(isTTY);
    let aborted = false;
    await assert.rejects(
      withProgress(
        (signal) =>
          new Promise(() => {
            signal.addEventListener("abort", () => {
              aborted = true;
            });
          }),
        {
          label: "probing the engine",
          deadlineMs: 1000,
          hint: "check `docker version`",
          quietMs: 100,
          stream: screen.stream,
        },
      ),
      (error) =>
        isAppError(error) &&
        error.message === "probing the engine: no result after 1 s; check `docker version`",
    );
    assert.equal(aborted, true);
    if (!isTTY) assert.equal(screen.text(), "", "nothing written off a terminal");
  }
});
