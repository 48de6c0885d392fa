// What a running hub does for its files on its own: at start, resolve every upload a crashed process
// left unfinished (with backoff); then, every `files.verifyIntervalMs`, ask each provider whether its
// copies still exist. One run at a time; a failing run is logged and the next one still comes.
import type { FileService } from "./file-service.ts";

export interface FileMaintenance {
  /** Resolves when the recovery at start has finished (whatever its outcome). */
  readonly started: Promise<void>;
  stop(): Promise<void>;
}

export function startFileMaintenance(
  service: FileService,
  options: { intervalMs: number; actor?: string },
): FileMaintenance {
  const { logger } = service.context;
  const actor = options.actor ?? "hub";
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const verify = (): void => {
    timer = undefined;
    running = service
      .verify({ actor })
      .then((checks) => {
        const bad = checks.flatMap((check) => check.copies.filter((copy) => copy.status !== "active"));
        if (bad.length > 0)
          logger.warn({ copies: bad }, `files: ${bad.length} provider copies are gone or changed`);
      })
      .catch((error: unknown) => logger.error({ err: error }, "files: the periodic verify failed"))
      .finally(schedule);
  };
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(verify, options.intervalMs);
    timer.unref();
  };

  const started = service
    .recover({ actor, retry: true })
    .then((outcomes) => {
      if (outcomes.length > 0)
        logger.info({ outcomes }, `files: ${outcomes.length} interrupted uploads resolved`);
    })
    .catch((error: unknown) => logger.error({ err: error }, "files: recovery at start failed"))
    .finally(schedule);
  running = started;

  return {
    started,
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await running;
    },
  };
}
