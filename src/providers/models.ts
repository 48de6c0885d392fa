// What a provider's models endpoint tells us, in one shape: model names and limits change every
// few months, so they are read from the provider rather than written into code.

export interface ModelInfo {
  id: string;
  displayName: string | undefined;
  /** Input context in tokens, where the provider reports it (Moonshot, Gemini). */
  contextLength: number | undefined;
}
