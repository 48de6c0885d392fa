// A private PostgreSQL schema per test, on the server AIO_TEST_POSTGRES_URL names (.ci/run starts one;
// on a person's machine the tests skip without it). Each test gets a fresh schema through the URL's
// search_path, so tests running at once never see each other's tables, and it is dropped afterwards.
import { randomBytes } from "node:crypto";
import type { TestContext } from "node:test";
import postgres from "postgres";
import { requireService } from "./services.ts";

export const POSTGRES_URL = process.env.AIO_TEST_POSTGRES_URL;

let reachability: Promise<string | undefined> | undefined;

async function unavailableReason(): Promise<string | undefined> {
  if (POSTGRES_URL === undefined) {
    return "AIO_TEST_POSTGRES_URL is not set (start a PostgreSQL as .ci/run does, then export AIO_TEST_POSTGRES_URL=postgres://…)";
  }
  const sql = postgres(POSTGRES_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`SELECT 1`;
    return undefined;
  } catch (error) {
    return `cannot reach AIO_TEST_POSTGRES_URL: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** Undefined when AIO_TEST_POSTGRES_URL answers; otherwise why not (for tests that share one schema). */
export function postgresUnavailable(): Promise<string | undefined> {
  reachability ??= unavailableReason();
  return reachability;
}

/** A URL to a fresh, empty schema (dropped when the test ends), or undefined when the test was skipped. */
export async function postgresSchemaUrl(t: TestContext): Promise<string | undefined> {
  if (!requireService(t, "PostgreSQL", await postgresUnavailable()) || POSTGRES_URL === undefined)
    return undefined;
  return freshSchemaUrl(POSTGRES_URL, t);
}

/** A fresh schema on the server `serverUrl` names, dropped through `owner.after`: for a suite that shares one. */
export async function freshSchemaUrl(
  serverUrl: string,
  owner: { after(fn: () => Promise<void>): void },
): Promise<string> {
  const schema = `aio_test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin`CREATE SCHEMA ${admin(schema)}`;
  owner.after(async () => {
    await admin`DROP SCHEMA ${admin(schema)} CASCADE`;
    await admin.end({ timeout: 5 });
  });
  const url = new URL(serverUrl);
  url.searchParams.set("search_path", schema);
  return url.toString();
}

/** Runs raw SQL against the schema behind a test URL: for tests that play the attacker. */
export async function withRawPostgres<T>(url: string, work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await work(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}
