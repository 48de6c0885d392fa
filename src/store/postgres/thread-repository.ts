// Conversation threads in PostgreSQL. An append is one statement: it bumps the thread's turn count
// (creating the thread if needed), which locks the thread's row until it commits, and inserts the
// turns numbered after the old count, so appends to one thread from any replica queue on that row.
// One statement rather than a transaction on a reserved connection: see audit-log.ts. Every query
// but retention names the owner, so another owner's thread is never read, continued or deleted.
import { AppError } from "../../errors.ts";
import type {
  Thread,
  ThreadListOptions,
  ThreadRepository,
  ThreadSummary,
  ThreadTurn,
} from "../repositories.ts";
import type { PostgresConnection } from "./connection.ts";

interface SummaryRow {
  id: string;
  owner: string;
  created_at: string;
  updated_at: string;
  turn_count: number;
}

interface TurnRow {
  role: string;
  content: string;
  provider: string | null;
  model: string | null;
  files: string[] | null;
  at: string;
}

export class PostgresThreadRepository implements ThreadRepository {
  readonly #connection: PostgresConnection;

  constructor(connection: PostgresConnection) {
    this.#connection = connection;
  }

  async append(owner: string, id: string, turns: readonly ThreadTurn[]): Promise<ThreadSummary> {
    const first = turns[0]?.at ?? Date.now();
    const last = Math.max(first, ...turns.map((turn) => turn.at));
    const column = <T>(pick: (turn: ThreadTurn) => T) => turns.map(pick);
    const [row] = await this.#connection.run(
      (sql) => sql<SummaryRow[]>`
        WITH thread AS (
          INSERT INTO threads AS thread (id, owner, created_at, updated_at, turn_count)
          VALUES (${id}, ${owner}, ${first}, ${last}, ${turns.length})
          ON CONFLICT (id) DO UPDATE SET
            turn_count = thread.turn_count + excluded.turn_count,
            updated_at = greatest(thread.updated_at, excluded.updated_at)
          -- Another owner's thread: no row updated, none returned, so no turn is inserted either.
          WHERE thread.owner = excluded.owner
          RETURNING id, owner, created_at, updated_at, turn_count
        ), added AS (
          INSERT INTO thread_turns (thread_id, seq, role, content, provider, model, files, at)
          SELECT thread.id, thread.turn_count - ${turns.length} + turn.ordinal, turn.role, turn.content,
            turn.provider, turn.model,
            CASE WHEN turn.files IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(turn.files::jsonb)) END,
            turn.at
          FROM thread, unnest(
            ${column((turn) => turn.role)}::text[],
            ${column((turn) => turn.content)}::text[],
            ${column((turn) => turn.provider ?? null)}::text[],
            ${column((turn) => turn.model ?? null)}::text[],
            ${column((turn) => (turn.files === undefined ? null : JSON.stringify(turn.files)))}::text[],
            ${column((turn) => turn.at)}::bigint[]
          ) WITH ORDINALITY AS turn (role, content, provider, model, files, at, ordinal)
        )
        SELECT id, owner, created_at, updated_at, turn_count FROM thread`,
    );
    if (row === undefined) throw new AppError("not_found", `no thread ${id} of ${owner}`);
    return summaryFromRow(row);
  }

  async get(owner: string, id: string): Promise<Thread | undefined> {
    const [summary, turns] = await this.#connection.run((sql) =>
      Promise.all([
        sql<SummaryRow[]>`
          SELECT id, owner, created_at, updated_at, turn_count FROM threads
          WHERE id = ${id} AND owner = ${owner}`,
        sql<TurnRow[]>`
          SELECT role, content, provider, model, files, at FROM thread_turns
          WHERE thread_id = ${id} AND EXISTS (SELECT 1 FROM threads WHERE id = ${id} AND owner = ${owner})
          ORDER BY seq`,
      ]),
    );
    const row = summary[0];
    return row === undefined ? undefined : { ...summaryFromRow(row), turns: turns.map(turnFromRow) };
  }

  async list(options: ThreadListOptions): Promise<ThreadSummary[]> {
    const { owner, limit, before } = options;
    const rows = await this.#connection.run((sql) =>
      before === undefined
        ? sql<SummaryRow[]>`
            SELECT id, owner, created_at, updated_at, turn_count FROM threads WHERE owner = ${owner}
            ORDER BY updated_at DESC, id LIMIT ${limit}`
        : sql<SummaryRow[]>`
            SELECT id, owner, created_at, updated_at, turn_count FROM threads
            WHERE owner = ${owner} AND updated_at < ${before}
            ORDER BY updated_at DESC, id LIMIT ${limit}`,
    );
    return rows.map(summaryFromRow);
  }

  async delete(owner: string, id: string): Promise<boolean> {
    const result = await this.#connection.run(
      (sql) => sql`DELETE FROM threads WHERE id = ${id} AND owner = ${owner}`,
    );
    return result.count > 0;
  }

  async deleteUpdatedBefore(at: number): Promise<number> {
    const result = await this.#connection.run((sql) => sql`DELETE FROM threads WHERE updated_at < ${at}`);
    return result.count;
  }
}

function summaryFromRow(row: SummaryRow): ThreadSummary {
  return {
    id: row.id,
    owner: row.owner,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    turnCount: row.turn_count,
  };
}

function turnFromRow(row: TurnRow): ThreadTurn {
  const turn: ThreadTurn = {
    role: row.role === "assistant" ? "assistant" : "user",
    content: row.content,
    at: Number(row.at),
  };
  if (row.provider !== null) turn.provider = row.provider;
  if (row.model !== null) turn.model = row.model;
  if (row.files !== null) turn.files = row.files;
  return turn;
}
