// The environment the launcher tests run the CLI in: a throwaway AI_ORCHESTRATOR_HOME and none
// of the runner's own provider keys, so that only the keys a test sets are there.
import { ALL_CREDENTIAL_ENV } from "../../src/providers/definitions.ts";

export function homeEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, AI_ORCHESTRATOR_HOME: home };
  for (const name of [
    ...ALL_CREDENTIAL_ENV,
    "AI_ORCHESTRATOR_CONFIG",
    "ZHIPU_API_KEY",
    "KIMI_CODING_API_KEY",
  ]) {
    delete env[name];
  }
  return { ...env, ...extra };
}
