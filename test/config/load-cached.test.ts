// The launch path's config cache must never serve a config.yaml other than the one on disk:
// every edit is seen on the next launch, a broken or unreadable file is reported, not hidden.
import assert from "node:assert/strict";
import { mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { loadConfigCached } from "../../src/config/load-cached.ts";
import { isAppError } from "../../src/errors.ts";
import { sandboxFixture } from "../support/sandbox.ts";

test("an edited config.yaml is what the next load returns", async (t) => {
  const { paths } = sandboxFixture(t);
  writeFileSync(paths.configFile, "runtime: process\n");
  assert.equal((await loadConfigCached(paths)).config.runtime, "process");
  assert.equal((await loadConfigCached(paths)).config.runtime, "process", "served from the cache");
  writeFileSync(paths.configFile, "runtime: bwrap\n");
  assert.equal((await loadConfigCached(paths)).config.runtime, "bwrap");
  rmSync(paths.configFile);
  const defaults = await loadConfigCached(paths);
  assert.equal(defaults.config.runtime, "auto");
  assert.equal(defaults.file, undefined);
});

test("a config.yaml broken after it was cached is reported, not served from the cache", async (t) => {
  const { paths } = sandboxFixture(t);
  writeFileSync(paths.configFile, "runtime: process\n");
  await loadConfigCached(paths);
  writeFileSync(paths.configFile, "runtime: sideways\n");
  await assert.rejects(
    loadConfigCached(paths),
    (error) =>
      isAppError(error) && /runtime: must be one of auto, process, bwrap, docker/.test(error.message),
  );
});

test("a config path that exists but cannot be read is reported, even after a run without a file", async (t) => {
  const { paths } = sandboxFixture(t);
  assert.equal((await loadConfigCached(paths)).file, undefined, "no file: defaults, and cached so");
  mkdirSync(paths.configFile);
  await assert.rejects(
    loadConfigCached(paths),
    (error) => isAppError(error) && /cannot be read: EISDIR/.test(error.message),
  );
});

test("the cache is private to its owner", async (t) => {
  const { paths } = sandboxFixture(t);
  writeFileSync(paths.configFile, "runtime: process\n");
  await loadConfigCached(paths);
  assert.equal(statSync(join(paths.runDir, "config-cache.json")).mode & 0o777, 0o600);
  assert.equal(statSync(paths.runDir).mode & 0o777, 0o700);
});
