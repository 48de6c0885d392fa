// The repository conformance suite against a real PostgreSQL (AIO_TEST_POSTGRES_URL): a fresh schema
// per test. Without the variable the tests skip with the reason; under CI they fail.
import { postgresSchemaUrl, withRawPostgres } from "../support/postgres.ts";
import { runConformance } from "./conformance.ts";

runConformance({
  name: "PostgreSQL",
  async fresh(t) {
    const url = await postgresSchemaUrl(t);
    if (url === undefined) return undefined;
    return {
      url,
      async raw(statement) {
        await withRawPostgres(url, (sql) => sql.unsafe(statement));
      },
    };
  },
});
