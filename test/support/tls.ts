// A self-signed certificate for tests that speak TLS, made with the openssl command (the tests that
// need one skip without it, and fail under CI, where .ci/run installs it).
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { scratchDirectory } from "./scratch.ts";
import { requireService } from "./services.ts";

export interface Certificate {
  /** PEM files. */
  cert: string;
  key: string;
}

/** A certificate and key for 127.0.0.1 and localhost, valid a day; undefined when the test was skipped. */
export function selfSignedCertificate(t: TestContext): Certificate | undefined {
  if (!requireService(t, "openssl", opensslMissing())) return undefined;
  const directory = scratchDirectory(t, "aio-tls-");
  const cert = join(directory, "server.crt");
  const key = join(directory, "server.key");
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"],
      ...["-keyout", key, "-out", cert, "-subj", "/CN=127.0.0.1"],
      ...["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
    ],
    { stdio: "ignore" },
  );
  return { cert, key };
}

function opensslMissing(): string | undefined {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return undefined;
  } catch {
    return "the openssl command is not installed";
  }
}
