// What the dashboard reads and acts on, as narrow interfaces: the hub's keys, audit trail, file
// registry and sandbox sessions each satisfy one (the server passes them in when it mounts /ui), and a
// part the hub does not have yet is simply absent, which its page shows as "not available".
import type { AuditTrail } from "../audit/audit-trail.ts";
import type { PolicyStatus } from "../resilience/policy.ts";

/** Who signed in: the hub key they pasted, as the key store knows it. */
export interface DashboardPrincipal {
  keyId: string;
  name: string;
  /** The key's public prefix, shown in the header and written to the audit trail. */
  prefix: string;
  scopes: readonly string[];
  expiresAt: number | undefined;
}

/** A hub key as the Keys page lists it (never its secret or hash). */
export interface KeyView {
  id: string;
  name: string;
  kind: string;
  prefix: string;
  scopes: readonly string[];
  /** Undefined: every provider. */
  providers: readonly string[] | undefined;
  rpm: number | undefined;
  createdAt: number;
  expiresAt: number | undefined;
  revokedAt: number | undefined;
  lastUsedAt: number | undefined;
}

export interface NewKeyRequest {
  name: string;
  scopes: readonly string[];
  /** Undefined: every provider. */
  providers: readonly string[] | undefined;
  /** Lifetime from now; undefined: never expires. */
  ttlMs: number | undefined;
  rpm: number | undefined;
}

export interface DashboardKeys {
  /** The principal behind a pasted key; throws AppError("unauthenticated") when it is not valid. */
  authenticate(presented: string): Promise<DashboardPrincipal>;
  /** Every key, oldest first. */
  list(): Promise<KeyView[]>;
  /** The key by id; throws AppError("not_found") when there is none. */
  find(id: string): Promise<KeyView>;
  /** `actor` is written to the audit trail. Throws AppError("usage" | "conflict") for bad input. */
  create(request: NewKeyRequest, actor: string): Promise<{ info: KeyView; key: string }>;
  revoke(id: string, actor: string): Promise<void>;
  /** The scopes a key may be given, for the create form. */
  readonly scopes: readonly string[];
}

/** The hub's audit trail as the dashboard uses it: it records sign-ins and resets, lists, verifies. */
export type DashboardAudit = Pick<AuditTrail, "record" | "list" | "verify">;

export interface FileCopyView {
  provider: string;
  /** active, expired, missing, … as the registry words it. */
  state: string;
  expiresAt: number | undefined;
}

export interface FileView {
  sha256: string;
  name: string;
  bytes: number;
  mimeType: string;
  copies: FileCopyView[];
}

export interface DashboardFiles {
  list(): Promise<FileView[]>;
  /** Asks each provider whether its copies still exist; returns a one-line summary. */
  verify(actor: string): Promise<string>;
  /** Reconciles the registry with each provider's listing; returns a one-line summary. */
  sync(actor: string): Promise<string>;
}

export interface SandboxSessionView {
  /** The session token's public prefix. */
  key: string;
  mode: string;
  runtime: string;
  requests: number;
  /** Input and output tokens its answers used. */
  tokensIn: number;
  tokensOut: number;
  fallbacks: number;
  /** The provider that answered its latest request. */
  lastProvider: string | undefined;
  lastRequestAt: number | undefined;
}

export interface DashboardSandboxSessions {
  list(): Promise<SandboxSessionView[]>;
}

/** The breakers and bulkheads, as the resilience layer reports them. */
export interface DashboardResilience {
  status(provider: string): PolicyStatus;
  reset(provider: string): Promise<void>;
}
