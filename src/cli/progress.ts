// A wait that lasts more than a moment says so: at a terminal a line counts the seconds, elsewhere
// one line says what is awaited and for how long at most. At the deadline the wait ends with one
// line naming what took too long and what to check, never silence.
import { AppError } from "../errors.ts";

export interface ProgressOptions {
  /** What is awaited, as a phrase: "installing Claude Code and Gemini CLI from the npm registry". */
  label: string;
  deadlineMs: number;
  /** What to check when the deadline passes, appended to the message. */
  hint: string;
  /** How long a wait stays silent; default 2 s. */
  quietMs?: number;
  stream?: NodeJS.WriteStream;
}

/** Runs `work`, showing progress after `quietMs`; aborts its signal and throws at the deadline. */
export async function withProgress<T>(
  work: (signal: AbortSignal) => Promise<T>,
  options: ProgressOptions,
): Promise<T> {
  const stream = options.stream ?? process.stderr;
  const started = Date.now();
  const controller = new AbortController();
  const seconds = () => Math.round((Date.now() - started) / 1000);
  const limit = Math.round(options.deadlineMs / 1000);
  let shown = false;
  let ticker: NodeJS.Timeout | undefined;
  const show = () => {
    if (stream.isTTY) {
      stream.write(`\r\u001b[K${options.label}… ${seconds()} s (up to ${limit} s)`);
    } else if (!shown) {
      stream.write(`ai-orchestrator: ${options.label}… (up to ${limit} s)\n`);
    }
    shown = true;
  };
  const quiet = setTimeout(() => {
    show();
    if (stream.isTTY) ticker = setInterval(show, 1000);
  }, options.quietMs ?? 2000);
  let deadline: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    deadline = setTimeout(() => {
      controller.abort();
      reject(new AppError("unavailable", `${options.label}: no result after ${limit} s; ${options.hint}`));
    }, options.deadlineMs);
  });
  try {
    return await Promise.race([work(controller.signal), expired]);
  } finally {
    clearTimeout(quiet);
    clearTimeout(deadline);
    clearInterval(ticker);
    if (shown && stream.isTTY) stream.write("\r\u001b[K");
  }
}
