// The store: every repository of the hub behind one object, opened from one URL. A SQLite path (the
// default, orchestrator.db under the home) serves one machine; a postgres:// URL is shared by replicas.
import type { Paths } from "../config/paths.ts";
import { redactUrl } from "../config/shared-state.ts";
import { AppError } from "../errors.ts";
import type { Logger } from "../observability/logger.ts";
import type {
  AuditLog,
  FileJournal,
  FileRegistry,
  KeyChangeFeed,
  KeyRepository,
  ThreadRepository,
} from "./repositories.ts";

export type StoreKind = "sqlite" | "postgres";

export interface Store {
  readonly kind: StoreKind;
  /** Where it points, with any password redacted: safe to log and show. */
  readonly where: string;
  readonly keys: KeyRepository;
  readonly keyChanges: KeyChangeFeed;
  readonly threads: ThreadRepository;
  readonly audit: AuditLog;
  /** Files by SHA-256 and their copies on each provider. */
  readonly files: FileRegistry;
  /** Uploads claimed and under way, shared by every process on the store. */
  readonly fileJournal: FileJournal;
  /** Resolves when the store answers; throws AppError("unavailable") otherwise (for /readyz). */
  ping(): Promise<void>;
  /** Closes every connection; the store cannot be used afterwards. */
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** A SQLite file path, `:memory:`, or a postgres:// URL; defaults to paths.databaseFile. */
  url?: string | undefined;
  paths: Pick<Paths, "databaseFile">;
  logger: Logger;
}

/** Opens the store the URL names and brings its schema up to date. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const url = options.url ?? options.paths.databaseFile;
  if (isPostgresUrl(url)) {
    const { openPostgresStore } = await import("./postgres/postgres-store.ts");
    return openPostgresStore({ url, logger: options.logger });
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new AppError(
      "config",
      `store.url ${redactUrl(url)} is neither a file path nor a postgres:// URL; use one of them`,
    );
  }
  const { openSqliteStore } = await import("./sqlite/sqlite-store.ts");
  return openSqliteStore({ file: url });
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}
