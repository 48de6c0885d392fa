// What every provider client offers and what every factory takes. Provider-specific extras
// (Moonshot's balance, Gemini's processing state) are on each provider's own client type.
import type { ProviderApi } from "../config/schema/index.ts";
import type { ChatClient } from "./chat.ts";
import type { FilesClient } from "./files.ts";
import type { ProviderTransportOptions } from "./http.ts";
import type { ModelInfo } from "./models.ts";

export interface ProviderClientOptions extends ProviderTransportOptions {
  apiKey: string;
  /** The provider's native base URL; the built-in default when absent. */
  baseUrl?: string | undefined;
  /** The id errors and responses carry; a custom provider (`extends: zai`) passes its own. */
  providerId?: string | undefined;
  /** Sent with every request, after the client's own headers. */
  headers?: Readonly<Record<string, string>> | undefined;
}

export interface ProviderClient extends ChatClient {
  readonly api: ProviderApi;
  /** The provider id, as in config. */
  readonly provider: string;
  readonly files: FilesClient;
  listModels(options?: { signal?: AbortSignal }): Promise<ModelInfo[]>;
  /** Closes the client's connection pool. */
  close(): Promise<void>;
}
