// server.tls: the hub terminates TLS itself with the configured PEM files; an unreadable file is a
// config error naming the key, not a stack.
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { Agent, request } from "undici";
import { AppError } from "../../src/errors.ts";
import { listen } from "../../src/server/listen.ts";
import { simulatorConfig, startTestHub } from "../support/hub.ts";
import { selfSignedCertificate } from "../support/tls.ts";

describe("tls", () => {
  it("serves HTTPS with server.tls and names an unreadable file", async (t) => {
    const certificate = selfSignedCertificate(t);
    if (certificate === undefined) return;
    const { cert, key } = certificate;
    const directory = dirname(cert);
    const hub = await startTestHub(t, simulatorConfig(undefined));
    const running = await listen(hub.server.app, { host: "127.0.0.1", port: 0, tls: { cert, key } });
    t.after(() => running.drain(0).then(() => undefined));
    assert.match(running.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
    t.after(() => dispatcher.close());
    const response = await request(`${running.url}/healthz`, { dispatcher });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(await response.body.json(), { status: "ok" });

    await assert.rejects(
      listen(hub.server.app, {
        host: "127.0.0.1",
        port: 0,
        tls: { cert: join(directory, "missing.crt"), key },
      }),
      /server\.tls\.cert: .*missing\.crt cannot be read \(ENOENT\)/,
    );
    // Swapped files read fine but are no certificate: a config error naming both, not a stack.
    await assert.rejects(
      listen(hub.server.app, { host: "127.0.0.1", port: 0, tls: { cert: key, key: cert } }),
      (error: unknown) =>
        error instanceof AppError &&
        error.kind === "config" &&
        error.message.startsWith(`server.tls: ${key} and ${cert} are not a usable certificate and key (`) &&
        error.message.endsWith(
          "name a PEM certificate in server.tls.cert and its private key in server.tls.key",
        ),
    );
  });
});
