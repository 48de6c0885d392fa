// Finds a provider's key: its environment variable first, then the secret file written by
// `ai-orchestrator login`. Secret files are created 0600 inside a 0700 directory, atomically.
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { type Paths, secretFile } from "../config/paths.ts";
import { errnoCode, isMissingFile } from "../errno.ts";
import { AppError } from "../errors.ts";
import type { ResolvedProvider } from "./registry.ts";

export type CredentialSource = { kind: "env"; name: string } | { kind: "file"; path: string };

export interface Credential {
  value: string;
  source: CredentialSource;
}

export function findCredential(
  provider: ResolvedProvider,
  paths: Paths,
  env: NodeJS.ProcessEnv = process.env,
): Credential | undefined {
  for (const name of provider.credentialEnv) {
    const value = env[name]?.trim();
    if (value) return { value, source: { kind: "env", name } };
  }
  const path = secretFile(paths, provider.secretName);
  let value: string;
  try {
    value = readFileSync(path, "utf8").trim();
  } catch (error) {
    // No secret file: the caller decides whether a missing key is an error. A file that is there
    // but cannot be read is not "not set": that would send the person to log in again for nothing.
    if (isMissingFile(error)) return undefined;
    const code = errnoCode(error) ?? String(error);
    throw new AppError(
      "credential",
      `the key file ${path} cannot be read (${code}): make it readable by you (\`chmod 600\`, owned by you), or store the key again with \`ai-orchestrator login ${provider.id}\``,
    );
  }
  return value ? { value, source: { kind: "file", path } } : undefined;
}

export function requireCredential(
  provider: ResolvedProvider,
  paths: Paths,
  env: NodeJS.ProcessEnv = process.env,
): Credential {
  const credential = findCredential(provider, paths, env);
  if (credential) return credential;
  throw new AppError("credential", missingCredentialMessage(provider));
}

export function missingCredentialMessage(provider: ResolvedProvider): string {
  const variable = provider.credentialEnv[0];
  const login = `run \`ai-orchestrator login ${provider.id}\``;
  return variable
    ? `${variable} is not set: ${login} or export it`
    : `no key for provider ${provider.id}: ${login} or set \`providers.${provider.id}.apiKeyEnv\` in config.yaml`;
}

export function describeSource(source: CredentialSource): string {
  return source.kind === "env" ? `env ${source.name}` : `file ${source.path}`;
}

export function writeSecret(paths: Paths, providerId: string, value: string): string {
  const path = secretFile(paths, providerId);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  chmodSync(dirname(path), 0o700);
  // A fresh name each time: a file left by a crashed run must never block (or be reused for) a new
  // key; "wx" refuses any name that exists. (Not node:crypto: the launch path imports this module.)
  const temporary = `${path}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    writeFileSync(temporary, `${value.trim()}\n`, { mode: 0o600, flag: "wx" });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  return path;
}

export function removeSecret(paths: Paths, providerId: string): boolean {
  const path = secretFile(paths, providerId);
  try {
    rmSync(path);
    return true;
  } catch {
    return false;
  }
}
