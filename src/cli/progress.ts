// A wait that lasts more than a moment says so at a terminal: a line counts the seconds (a script
// reading stderr gets no such noise). At the deadline the wait ends with one line naming what took
// too long and what to check, at a terminal or not: never silence.
import { AppError } from "../errors.ts";

export interface ProgressOptions {
  /** What is awaited, as a phrase: "installing Claude Code and Gemini CLI from the npm registry". */
  label: string;
  deadlineMs: number;
  /** What to check when the deadline passes, appended to the message. */
  hint: string;
  /** How long a wait stays silent; default 2 s. */
  quietMs?: number;
  /** Default: stderr. Only its terminal flag and `write` are used. */
  stream?: { readonly isTTY?: boolean; write(text: string): unknown };
}

export interface WaitIndicatorOptions {
  label: string;
  /** Shown after the seconds, e.g. "(up to 60 s)". */
  suffix?: string;
  quietMs?: number;
  stream?: ProgressOptions["stream"];
}

/**
 * At a terminal, after `quietMs` of waiting, a line counting the seconds; the returned function
 * stops it and clears the line. Nothing is written where stderr is not a terminal.
 */
export function showWait(options: WaitIndicatorOptions): () => void {
  const stream = options.stream ?? process.stderr;
  const started = Date.now();
  const suffix = options.suffix === undefined ? "" : ` ${options.suffix}`;
  let shown = false;
  let ticker: NodeJS.Timeout | undefined;
  const show = () => {
    stream.write(`\r\u001b[K${options.label}… ${Math.round((Date.now() - started) / 1000)} s${suffix}`);
    shown = true;
  };
  const quiet = setTimeout(() => {
    if (!stream.isTTY) return;
    show();
    ticker = setInterval(show, 1000);
  }, options.quietMs ?? 2000);
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    clearTimeout(quiet);
    clearInterval(ticker);
    if (shown) stream.write("\r\u001b[K");
  };
}

/** Runs `work`, showing progress after `quietMs`; aborts its signal and throws at the deadline. */
export async function withProgress<T>(
  work: (signal: AbortSignal) => Promise<T>,
  options: ProgressOptions,
): Promise<T> {
  const controller = new AbortController();
  const limit = Math.round(options.deadlineMs / 1000);
  const stop = showWait({
    label: options.label,
    suffix: `(up to ${limit} s)`,
    quietMs: options.quietMs,
    stream: options.stream,
  });
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
    clearTimeout(deadline);
    stop();
  }
}
