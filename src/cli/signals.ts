// Long-running commands (`serve`, `simulate`) run until SIGINT or SIGTERM, then shut down in order.

/** Resolves with the first SIGINT or SIGTERM; the handlers are removed before it resolves. */
export function untilSignalled(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve(signal);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
