// Runs a command in a pseudo-terminal (util-linux `script`) and returns what the screen showed,
// for tests of interactive starts: the first-run questions an assistant must not ask.
import { spawn, spawnSync } from "node:child_process";
import { stripVTControlCharacters } from "node:util";

/** Questions a first start may ask, with the spaces the terminal rendering drops removed. */
export const FIRST_RUN_QUESTIONS: readonly RegExp[] = [
  /trustthisfolder/i,
  /Doyouwanttousethis(API)?key/i,
  /Selectloginmethod/i,
  /Choosethetextstyle/i,
  /Howwouldyouliketoauthenticate/i,
  /Doyoutrust/i,
  /WelcometoClaudeCode/i,
  /UnabletoconnecttoAnthropic/i,
];

export function scriptMissing(): string | undefined {
  const probe = spawnSync("script", ["--version"], { encoding: "utf8" });
  return probe.status === 0 ? undefined : "util-linux `script` is not installed";
}

/** Terminal output without escape sequences or whitespace, which cursor moves replace unpredictably. */
export function plainScreen(text: string): string {
  return stripVTControlCharacters(text).replace(/\s+/g, "");
}

/**
 * Starts `command` (a shell line) in a terminal; resolves with the screen once `ready` or a
 * question appeared (or after `timeoutMs`), then hangs up the terminal as closing a window would.
 */
export function screenOf(
  command: string,
  options: { env: NodeJS.ProcessEnv; cwd: string; ready: RegExp; timeoutMs?: number },
): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn("script", ["-qfec", command, "/dev/null"], {
      env: options.env,
      cwd: options.cwd,
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    let screen = "";
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
      resolve(screen);
    };
    const timer = setTimeout(finish, options.timeoutMs ?? 25_000);
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      screen += plainScreen(chunk);
      if (options.ready.test(screen) || FIRST_RUN_QUESTIONS.some((question) => question.test(screen))) {
        setTimeout(finish, 300);
      }
    });
    child.on("close", finish);
  });
}
