// Hub keys and session tokens: minting, listing, revoking, and the hot path every request takes —
// authenticate (hash, look up, compare in constant time, check expiry and revocation), authorize
// (scope and provider) and the per-key rate. A short cache keeps the database off the hot path; a
// change published by any process (revocation, renewal) drops the key from every process's cache at
// once, and the cache's lifetime bounds how stale a key can be if a notice is ever lost.
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { AuditTrail } from "../audit/audit-trail.ts";
import { AppError } from "../errors.ts";
import type { Logger } from "../observability/logger.ts";
import type { KeyChangeFeed, KeyKind, KeyRecord, KeyRepository } from "../store/repositories.ts";
import type { Store } from "../store/store.ts";
import { hashKey, hasKeyShape, mintKey } from "./key-material.ts";
import { checkProvider } from "./provider-access.ts";
import { MemoryRateLimiter, type RateLimiter } from "./rate-limiter.ts";
import { RedisRateLimiter } from "./redis-rate-limiter.ts";
import { DEFAULT_SCOPES, grants, type Scope } from "./scopes.ts";

/** Who presented a valid key, as routes and tools see it. */
export interface Principal {
  keyId: string;
  name: string;
  kind: KeyKind;
  /** The key's public prefix, for logs and the audit trail. */
  prefix: string;
  scopes: readonly string[];
  /** Providers it may reach; undefined means all. */
  providers: readonly string[] | undefined;
  /** The mode a session token is bound to. */
  mode: string | undefined;
  rpm: number | undefined;
  expiresAt: number | undefined;
}

/** A key as lists show it: everything but its hash. */
export type KeyInfo = Omit<KeyRecord, "hash">;

export interface CreateKeyInput {
  name: string;
  kind?: KeyKind;
  /** Defaults to DEFAULT_SCOPES (chat). */
  scopes?: readonly Scope[];
  providers?: readonly string[] | undefined;
  mode?: string | undefined;
  rpm?: number | undefined;
  /** Lifetime from now, in milliseconds; undefined means it never expires. */
  ttlMs?: number | undefined;
}

export interface CreatedKey {
  info: KeyInfo;
  /** The key itself: shown once, never stored. */
  key: string;
}

export interface HubKeysOptions {
  keys: KeyRepository;
  changes: KeyChangeFeed;
  audit: AuditTrail;
  logger: Logger;
  rateLimiter?: RateLimiter;
  now?: () => number;
  /** How long a verified key is trusted without asking the store again. */
  cacheTtlMs?: number;
  /** Keys cached at most; the oldest entries go first. */
  cacheSize?: number;
  /** How often a key's last-use time is written at most. */
  touchIntervalMs?: number;
}

// The largest rate both stores hold (a PostgreSQL integer); a larger one would be no limit anyway.
const MAX_RPM = 2_147_483_647;
const NAME_SHAPE = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$/;

interface CacheEntry {
  record: KeyRecord;
  /** The record's hash as bytes, for the constant-time comparison. */
  hashBytes: Buffer;
  principal: Principal;
  until: number;
}

/** A presented key's SHA-256, hex (how the store finds it) and bytes (how it is compared). */
interface KeyHash {
  hex: string;
  bytes: Buffer;
}

export class HubKeys {
  readonly #keys: KeyRepository;
  readonly #changes: KeyChangeFeed;
  readonly #audit: AuditTrail;
  readonly #logger: Logger;
  readonly #rateLimiter: RateLimiter;
  readonly #now: () => number;
  readonly #cacheTtlMs: number;
  readonly #cacheSize: number;
  readonly #touchIntervalMs: number;
  readonly #cache = new Map<string, CacheEntry>();
  // The hashes of keys the store knew, by the presented key: a client sends the same key on every
  // request, and hashing it each time was the costliest step of a cache hit. A hash never goes stale
  // (revocation and expiry are decided from the record, as before), and a key nobody stored is never
  // remembered, so guessing cannot fill it.
  readonly #hashes = new Map<string, KeyHash>();
  readonly #touched = new Map<string, number>();
  // Bumped by every invalidation: a lookup that started before it must not cache what it read.
  #generation = 0;
  #unsubscribe: (() => Promise<void>) | undefined;

  constructor(options: HubKeysOptions) {
    this.#keys = options.keys;
    this.#changes = options.changes;
    this.#audit = options.audit;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    this.#rateLimiter = options.rateLimiter ?? new MemoryRateLimiter({ now: this.#now });
    this.#cacheTtlMs = options.cacheTtlMs ?? 5_000;
    this.#cacheSize = options.cacheSize ?? 10_000;
    this.#touchIntervalMs = options.touchIntervalMs ?? 60_000;
  }

  /** Starts hearing other processes' revocations; a long-running hub calls it once at start. */
  async listen(): Promise<void> {
    this.#unsubscribe ??= await this.#changes.subscribe((keyId) => this.#invalidate(keyId));
  }

  async close(): Promise<void> {
    await this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    await this.#rateLimiter.close();
    this.#cache.clear();
    this.#hashes.clear();
  }

  async create(input: CreateKeyInput, actor: string): Promise<CreatedKey> {
    if (!NAME_SHAPE.test(input.name)) {
      throw new AppError(
        "usage",
        `key name "${input.name}" is not valid; use 1–64 letters, digits, '.', '_', ':', '@' or '-', starting with a letter or digit`,
      );
    }
    if (input.rpm !== undefined && !(Number.isInteger(input.rpm) && input.rpm > 0 && input.rpm <= MAX_RPM)) {
      throw new AppError(
        "usage",
        `requests per minute must be a whole number from 1 to ${MAX_RPM}, not ${input.rpm}`,
      );
    }
    const material = mintKey();
    const now = this.#now();
    const record = await this.#keys.insert({
      id: `key_${randomBytes(8).toString("hex")}`,
      name: input.name,
      kind: input.kind ?? "key",
      prefix: material.prefix,
      hash: material.hash,
      scopes: [...(input.scopes ?? DEFAULT_SCOPES)],
      providers: input.providers === undefined ? undefined : [...input.providers],
      mode: input.mode,
      rpm: input.rpm,
      createdAt: now,
      expiresAt: input.ttlMs === undefined ? undefined : now + input.ttlMs,
    });
    const info = withoutHash(record);
    await this.#audit.record({
      actor,
      action: `${record.kind}.create`,
      subject: record.id,
      outcome: "ok",
      details: {
        name: record.name,
        prefix: record.prefix,
        scopes: record.scopes,
        providers: record.providers ?? null,
        mode: record.mode ?? null,
        rpm: record.rpm ?? null,
        expiresAt: record.expiresAt ?? null,
      },
    });
    return { info, key: material.key };
  }

  async list(filter: { kind?: KeyKind } = {}): Promise<KeyInfo[]> {
    return (await this.#keys.list(filter)).map(withoutHash);
  }

  /** The key with this id, else the key with this name; AppError("not_found") when neither exists. */
  async find(idOrName: string): Promise<KeyInfo> {
    const record = (await this.#keys.findById(idOrName)) ?? (await this.#keys.findByName(idOrName));
    if (record === undefined) {
      throw new AppError(
        "not_found",
        `no hub key has the id or name "${idOrName}"; see \`ai-orchestrator keys list\``,
      );
    }
    return withoutHash(record);
  }

  /** Revokes the key everywhere; `wasRevoked` tells whether it already was. */
  async revoke(idOrName: string, actor: string): Promise<{ info: KeyInfo; wasRevoked: boolean }> {
    const found = await this.find(idOrName);
    const record = await this.#keys.revoke(found.id, this.#now());
    if (record === undefined)
      throw new AppError("not_found", `hub key ${found.id} vanished while revoking it`);
    await this.#announce(record.id);
    const wasRevoked = found.revokedAt !== undefined;
    if (!wasRevoked) {
      await this.#audit.record({
        actor,
        action: `${record.kind}.revoke`,
        subject: record.id,
        outcome: "ok",
        details: { name: record.name, prefix: record.prefix },
      });
    }
    return { info: withoutHash(record), wasRevoked };
  }

  /** Renews a key (a session token, typically): it now expires `ttlMs` from now. */
  async extend(id: string, ttlMs: number, actor: string): Promise<KeyInfo> {
    const found = await this.find(id);
    if (found.revokedAt !== undefined) {
      throw new AppError("conflict", `hub key "${found.name}" was revoked; a revoked key cannot be renewed`);
    }
    const record = await this.#keys.setExpiry(found.id, this.#now() + ttlMs);
    if (record === undefined)
      throw new AppError("not_found", `hub key ${found.id} vanished while renewing it`);
    await this.#announce(record.id);
    await this.#audit.record({
      actor,
      action: `${record.kind}.extend`,
      subject: record.id,
      outcome: "ok",
      details: { name: record.name, prefix: record.prefix, expiresAt: record.expiresAt ?? null },
    });
    return withoutHash(record);
  }

  /** The principal behind a presented key; AppError("unauthenticated") for unknown, expired or revoked keys. */
  async authenticate(presented: string): Promise<Principal> {
    if (!hasKeyShape(presented)) {
      throw new AppError(
        "unauthenticated",
        "that is not a hub key; create one with `ai-orchestrator keys create`",
      );
    }
    const remembered = this.#hashes.get(presented);
    const hash = remembered ?? keyHash(presented);
    const now = this.#now();
    // A cached entry is used without an await: most requests end here.
    const cached = this.#cache.get(hash.hex);
    const entry = cached !== undefined && cached.until > now ? cached : await this.#lookup(hash.hex, now);
    // The store found the row by its hash; comparing again in constant time keeps the decision itself
    // from depending on how far two strings agree, whatever the store's index does.
    if (entry === undefined || !sameHash(entry.hashBytes, hash.bytes)) {
      throw new AppError(
        "unauthenticated",
        "unknown hub key; check the key, or create one with `ai-orchestrator keys create`",
      );
    }
    const { record, principal } = entry;
    if (record.revokedAt !== undefined) {
      throw new AppError("unauthenticated", `hub key ${record.prefix}… was revoked; ask for a new key`);
    }
    if (record.expiresAt !== undefined && record.expiresAt <= now) {
      throw new AppError("unauthenticated", `hub key ${record.prefix}… expired; ask for a new key`);
    }
    this.#touch(record.id, now);
    if (remembered === undefined) this.#remember(presented, hash);
    return principal;
  }

  /** Throws AppError("forbidden") unless the key has the scope and may reach the provider. */
  authorize(principal: Principal, scope: Scope, provider?: string): void {
    if (!grants(principal.scopes, scope)) {
      throw new AppError(
        "forbidden",
        `hub key ${principal.prefix}… lacks the "${scope}" scope (it has ${principal.scopes.join(", ")})`,
      );
    }
    if (provider !== undefined) checkProvider(principal, provider);
  }

  /** Counts one request against the key's own rate; AppError("rate_limited") with retryAfterMs when over. */
  async checkRate(principal: Principal): Promise<void> {
    if (principal.rpm === undefined) return;
    const decision = await this.#rateLimiter.take(principal.keyId, principal.rpm);
    if (decision.allowed) return;
    throw new AppError(
      "rate_limited",
      `hub key ${principal.prefix}… is over its ${principal.rpm} requests per minute; retry in ${Math.ceil(decision.retryAfterMs / 1000)} s`,
      { retryAfterMs: decision.retryAfterMs },
    );
  }

  /** The key's entry read from the store (and cached, unless an invalidation came meanwhile). */
  async #lookup(hash: string, now: number): Promise<CacheEntry | undefined> {
    const generation = this.#generation;
    const record = await this.#keys.findByHash(hash);
    if (record === undefined) {
      this.#cache.delete(hash);
      return undefined;
    }
    const entry = {
      record,
      hashBytes: Buffer.from(record.hash, "hex"),
      principal: principalOf(record),
      until: now + this.#cacheTtlMs,
    };
    if (generation === this.#generation) {
      this.#cache.delete(hash);
      this.#cache.set(hash, entry);
      if (this.#cache.size > this.#cacheSize) {
        const oldest = this.#cache.keys().next();
        if (!oldest.done) this.#cache.delete(oldest.value);
      }
    }
    return entry;
  }

  /** Remembers a valid key's hash, the oldest going first beyond the cache's size. */
  #remember(presented: string, hash: KeyHash): void {
    this.#hashes.set(presented, hash);
    if (this.#hashes.size > this.#cacheSize) {
      const oldest = this.#hashes.keys().next();
      if (!oldest.done) this.#hashes.delete(oldest.value);
    }
  }

  async #announce(keyId: string): Promise<void> {
    this.#invalidate(keyId);
    try {
      await this.#changes.publish(keyId);
    } catch (error) {
      // Stored already; other processes' caches drop the key when their entry expires.
      this.#logger.warn(
        { keyId, error: error instanceof Error ? error.message : String(error) },
        "could not tell other hub processes about a key change; it reaches them when their cache expires",
      );
    }
  }

  #invalidate(keyId: string | undefined): void {
    this.#generation += 1;
    if (keyId === undefined) {
      this.#cache.clear();
      return;
    }
    for (const [hash, entry] of this.#cache) if (entry.record.id === keyId) this.#cache.delete(hash);
  }

  #touch(keyId: string, now: number): void {
    const last = this.#touched.get(keyId);
    if (last !== undefined && now - last < this.#touchIntervalMs) return;
    this.#touched.set(keyId, now);
    this.#keys.touch(keyId, now).catch((error: unknown) => {
      this.#logger.debug(
        { keyId, error: error instanceof Error ? error.message : String(error) },
        "key last-use not recorded",
      );
    });
  }
}

function withoutHash(record: KeyRecord): KeyInfo {
  const { hash: _hash, ...info } = record;
  return info;
}

function principalOf(record: KeyRecord): Principal {
  return {
    keyId: record.id,
    name: record.name,
    kind: record.kind,
    prefix: record.prefix,
    scopes: record.scopes,
    providers: record.providers,
    mode: record.mode,
    rpm: record.rpm,
    expiresAt: record.expiresAt,
  };
}

function keyHash(presented: string): KeyHash {
  const hex = hashKey(presented);
  return { hex, bytes: Buffer.from(hex, "hex") };
}

function sameHash(stored: Buffer, presented: Buffer): boolean {
  return stored.length === presented.length && timingSafeEqual(stored, presented);
}

export interface StartHubKeysOptions {
  store: Pick<Store, "keys" | "keyChanges">;
  audit: AuditTrail;
  logger: Logger;
  /** With a Redis URL, per-key rates are counted across replicas (see config/shared-state.ts redisUrl). */
  redisUrl?: string | undefined;
  redisKeyPrefix?: string;
}

/** The hub's HubKeys: rate limits in Redis when one is configured, listening for other processes' revocations. */
export async function startHubKeys(options: StartHubKeysOptions): Promise<HubKeys> {
  const rateLimiter =
    options.redisUrl === undefined
      ? undefined
      : new RedisRateLimiter({
          url: options.redisUrl,
          keyPrefix: options.redisKeyPrefix ?? "aio:",
          logger: options.logger,
        });
  await rateLimiter?.ready(2_000);
  const hubKeys = new HubKeys({
    keys: options.store.keys,
    changes: options.store.keyChanges,
    audit: options.audit,
    logger: options.logger,
    ...(rateLimiter === undefined ? {} : { rateLimiter }),
  });
  await hubKeys.listen();
  return hubKeys;
}
