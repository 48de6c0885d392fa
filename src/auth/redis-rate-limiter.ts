// Per-key rate limits counted across every replica in Redis: the GCRA step of rate-limiter.ts as one
// Lua script on Redis's own clock, so replicas with skewed clocks still agree. While Redis is
// unreachable each process counts on its own (one warning), as the breakers do; no request fails or
// waits because of Redis.
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../observability/logger.ts";
import { redactText } from "../observability/logger.ts";
import { createRedisClient, type RedisClient } from "../store/redis/client.ts";
import { MemoryRateLimiter, RATE_WINDOW_MS, type RateDecision, type RateLimiter } from "./rate-limiter.ts";

// KEYS: the key's arrival time. ARGV: interval (ms per request), window (ms). Returns {allowed, retryAfterMs}.
const TAKE_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local interval = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local arrival = tonumber(redis.call('GET', KEYS[1]) or '0')
if arrival < now then arrival = now end
local next = arrival + interval
if next - now > window then
  return {0, math.ceil(next - window - now)}
end
redis.call('SET', KEYS[1], string.format('%.3f', next), 'PX', math.ceil(next - now))
return {1, 0}
`;

export interface RedisRateLimiterOptions {
  url: string;
  keyPrefix: string;
  logger: Logger;
  commandTimeoutMs?: number;
}

export class RedisRateLimiter implements RateLimiter {
  readonly #client: RedisClient;
  readonly #local = new MemoryRateLimiter();
  readonly #logger: Logger;
  readonly #prefix: string;
  readonly #where: string;
  #sha: string | undefined;
  #outageLogged = false;
  #closed = false;

  constructor(options: RedisRateLimiterOptions) {
    this.#logger = options.logger;
    this.#prefix = options.keyPrefix;
    this.#where = redactText(options.url);
    this.#client = createRedisClient(options.url, options.commandTimeoutMs ?? 250);
    this.#client.on("error", (error: unknown) => this.#down(error));
    this.#client.on("ready", () => {
      if (!this.#outageLogged) return;
      this.#outageLogged = false;
      this.#logger.info({ redis: this.#where }, "redis reachable again: rate limits are shared again");
    });
    this.#client.connect().catch((error: unknown) => this.#down(error));
  }

  /** True while Redis answers; otherwise this process counts on its own. */
  get shared(): boolean {
    return this.#client.isReady;
  }

  /**
   * Waits (at most `timeoutMs`) for the connection, so a starting hub shares limits from its first
   * request; stops at the first failed attempt. True when connected.
   */
  async ready(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#client.isReady && !this.#outageLogged && !this.#closed && Date.now() < deadline)
      await sleep(10);
    return this.#client.isReady;
  }

  async take(keyId: string, perMinute: number): Promise<RateDecision> {
    if (!this.#client.isReady) return this.#local.takeNow(keyId, perMinute);
    try {
      const reply = await this.#evaluate(`${this.#prefix}rate:${keyId}`, RATE_WINDOW_MS / perMinute);
      if (!Array.isArray(reply)) throw new Error(`unexpected reply from the rate script: ${String(reply)}`);
      return Number(reply[0]) === 1 ? { allowed: true } : { allowed: false, retryAfterMs: Number(reply[1]) };
    } catch (error) {
      this.#down(error);
      return this.#local.takeNow(keyId, perMinute);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#client.removeAllListeners("error");
    this.#client.on("error", () => {});
    this.#client.destroy();
  }

  async #evaluate(key: string, intervalMs: number): Promise<unknown> {
    const args = [String(intervalMs), String(RATE_WINDOW_MS)];
    if (this.#sha !== undefined) {
      try {
        return await this.#client.sendCommand(["EVALSHA", this.#sha, "1", key, ...args]);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      }
    }
    this.#sha = String(await this.#client.sendCommand(["SCRIPT", "LOAD", TAKE_SCRIPT]));
    return this.#client.sendCommand(["EVALSHA", this.#sha, "1", key, ...args]);
  }

  #down(error: unknown): void {
    if (this.#closed || this.#outageLogged) return;
    this.#outageLogged = true;
    this.#logger.warn(
      { redis: this.#where, error: error instanceof Error ? error.message : String(error) },
      "redis unreachable: each process counts hub key rate limits on its own until it is back",
    );
  }
}
