// Conversation threads in PostgreSQL. An append first bumps the thread's turn count (creating the
// thread if needed) in one statement, which locks its row until commit, then numbers its turns
// after the old count: appends to one thread from any replica queue on that row.
import type { Thread, ThreadRepository, ThreadSummary, ThreadTurn } from "../repositories.ts";
import type { PostgresConnection } from "./connection.ts";

interface SummaryRow {
  id: string;
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

  async append(id: string, turns: readonly ThreadTurn[]): Promise<ThreadSummary> {
    const first = turns[0]?.at ?? Date.now();
    const last = Math.max(first, ...turns.map((turn) => turn.at));
    return this.#connection.run((sql) =>
      sql.begin(async (transaction) => {
        const [row] = await transaction<SummaryRow[]>`
          INSERT INTO threads AS thread (id, created_at, updated_at, turn_count)
          VALUES (${id}, ${first}, ${last}, ${turns.length})
          ON CONFLICT (id) DO UPDATE SET
            turn_count = thread.turn_count + excluded.turn_count,
            updated_at = greatest(thread.updated_at, excluded.updated_at)
          RETURNING id, created_at, updated_at, turn_count`;
        if (row === undefined) throw new Error(`appending to thread ${id} returned no row`);
        const before = row.turn_count - turns.length;
        for (const [index, turn] of turns.entries()) {
          await transaction`
            INSERT INTO thread_turns (thread_id, seq, role, content, provider, model, files, at)
            VALUES (${id}, ${before + index + 1}, ${turn.role}, ${turn.content}, ${turn.provider ?? null},
              ${turn.model ?? null}, ${turn.files ?? null}, ${turn.at})`;
        }
        return summaryFromRow(row);
      }),
    );
  }

  async get(id: string): Promise<Thread | undefined> {
    const [summary, turns] = await this.#connection.run((sql) =>
      Promise.all([
        sql<SummaryRow[]>`SELECT id, created_at, updated_at, turn_count FROM threads WHERE id = ${id}`,
        sql<TurnRow[]>`
          SELECT role, content, provider, model, files, at FROM thread_turns
          WHERE thread_id = ${id} ORDER BY seq`,
      ]),
    );
    const row = summary[0];
    return row === undefined ? undefined : { ...summaryFromRow(row), turns: turns.map(turnFromRow) };
  }

  async list(options: { limit: number; before?: number | undefined }): Promise<ThreadSummary[]> {
    const { limit, before } = options;
    const rows = await this.#connection.run((sql) =>
      before === undefined
        ? sql<SummaryRow[]>`
            SELECT id, created_at, updated_at, turn_count FROM threads
            ORDER BY updated_at DESC, id LIMIT ${limit}`
        : sql<SummaryRow[]>`
            SELECT id, created_at, updated_at, turn_count FROM threads WHERE updated_at < ${before}
            ORDER BY updated_at DESC, id LIMIT ${limit}`,
    );
    return rows.map(summaryFromRow);
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.#connection.run((sql) => sql`DELETE FROM threads WHERE id = ${id}`);
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
