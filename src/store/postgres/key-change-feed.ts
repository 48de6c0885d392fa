// Key changes between replicas over PostgreSQL LISTEN/NOTIFY: a revocation on any replica reaches
// every listener within milliseconds. The client re-listens after a lost connection; notices sent
// meanwhile are lost, so each (re)connection tells subscribers to drop every cached key.
import type { KeyChangeFeed } from "../repositories.ts";
import type { PostgresConnection } from "./connection.ts";

const CHANNEL = "aio_key_changes";

export class PostgresKeyChangeFeed implements KeyChangeFeed {
  readonly #connection: PostgresConnection;

  constructor(connection: PostgresConnection) {
    this.#connection = connection;
  }

  async publish(keyId: string): Promise<void> {
    await this.#connection.run((sql) => sql.notify(CHANNEL, keyId));
  }

  async subscribe(listener: (keyId: string | undefined) => void): Promise<() => Promise<void>> {
    let listening = false;
    const request = await this.#connection.run((sql) =>
      sql.listen(CHANNEL, listener, () => {
        // The first call is the subscription itself; any later one follows a reconnection.
        if (listening) listener(undefined);
        listening = true;
      }),
    );
    return async () => {
      try {
        await request.unlisten();
      } catch (error) {
        // Closing the store ended the subscription already.
        if (
          !(
            typeof error === "object" &&
            error !== null &&
            "code" in error &&
            error.code === "CONNECTION_ENDED"
          )
        )
          throw error;
      }
    };
  }
}
