// Test-only: AI_ORCHESTRATOR_TEST_HOLD=<step> stops an upload at that step of the pipeline (claimed,
// uploading, committed) and says so on stderr, so a crash test can `kill -9` the process exactly there.
// Unset (always, outside tests), the pipeline never waits.
import type { PipelineStep } from "./files-context.ts";

const STEPS: readonly PipelineStep[] = ["claimed", "uploading", "committed"];

export function holdFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): ((step: PipelineStep) => Promise<void>) | undefined {
  const wanted = STEPS.find((step) => step === env.AI_ORCHESTRATOR_TEST_HOLD);
  if (wanted === undefined) return undefined;
  return (step) => {
    if (step !== wanted) return Promise.resolve();
    process.stderr.write(`held at ${step}\n`);
    // Never resolves: the test kills the process here. The interval keeps the event loop alive.
    return new Promise(() => {
      setInterval(() => {}, 60_000);
    });
  };
}
