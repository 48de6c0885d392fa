// A streamed request answered 200 with a JSON body instead of an event stream, cut off mid-object:
// the provider broke the protocol, so the error is `protocol` (not retried as a dropped connection).
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, test } from "node:test";
import { configSchema } from "../../src/config/schema/index.ts";
import { PROVIDER_APIS, type ProviderApi } from "../../src/config/schema/providers.ts";
import { createProviderClient } from "../../src/providers/clients.ts";
import { PROVIDER_DEFINITIONS } from "../../src/providers/definitions.ts";
import { isProviderError } from "../../src/providers/errors.ts";
import { resolveProvider } from "../../src/providers/registry.ts";

let server: Server;
let origin: string;

before(async () => {
  server = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "application/json" });
    response.end('{"id":"msg_1","type":"message","content":[{"type":"te');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  origin = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

function clientFor(api: ProviderApi) {
  const provider = resolveProvider(configSchema.parse({}), api);
  return createProviderClient(
    { ...provider, baseUrl: origin, anthropicBaseUrl: origin },
    "sk-stream-json-test",
  );
}

for (const api of PROVIDER_APIS) {
  test(`${api}: a cut-off JSON body where a stream was asked for is a protocol error`, async () => {
    const client = clientFor(api);
    try {
      await assert.rejects(
        (async () => {
          for await (const _event of client.streamChat({
            model: PROVIDER_DEFINITIONS[api].models.main,
            messages: [{ role: "user", content: "hi" }],
          })) {
            // Nothing arrives before the failure.
          }
        })(),
        (error) => {
          assert.ok(isProviderError(error));
          assert.equal(error.kind, "protocol", error.message);
          assert.equal(error.retryable, false);
          assert.match(error.message, /instead of an event stream, cut off before its end \(HTTP 200\)/);
          return true;
        },
      );
    } finally {
      await client.close();
    }
  });
}
