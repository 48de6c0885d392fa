// The store as one-shot commands (`keys`, `audit`) use it: opened from config (or the environment
// override), used, and closed before the command returns, whatever happens.
import { userInfo } from "node:os";
import { storeUrl } from "../config/shared-state.ts";
import { logger } from "../observability/logger.ts";
import { openStore, type Store } from "../store/store.ts";
import type { CliContext } from "./context.ts";

export async function withStore<T>(context: CliContext, work: (store: Store) => Promise<T>): Promise<T> {
  const { config } = context.config();
  const store = await openStore({
    url: storeUrl(config, context.paths),
    paths: context.paths,
    logger: logger(),
  });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** Who a command-line change is attributed to in the audit trail. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return `cli:uid-${process.getuid?.() ?? "unknown"}`;
  }
}
