// Part of `npm run build`: bundles the launch path (dist/cli/launch.js and what it imports
// statically) into dist/cli/launch.bundle.js, the one file bin/ai-orchestrator.js loads to launch a
// mode. Node's loader resolves, reads and links each module on its own, which cost a launch more than
// the code it runs; one file avoids that. Everything else stays the unbundled modules of dist/.
import { dirname, relative, resolve, sep } from "node:path";
import { build, type Plugin } from "esbuild";

const DIST = resolve(import.meta.dirname, "..", "dist");
const ENTRY = resolve(DIST, "cli", "launch.js");
const LAUNCH_BUNDLE = resolve(DIST, "cli", "launch.bundle.js");

/**
 * Left out of the bundle, imported from dist/ as they are: modules loaded lazily (only some launches
 * need them, and they pull in the schema and YAML libraries), and the error classes, whose identity
 * must be the one the lazily loaded modules see, or `instanceof` would tell a config mistake from a
 * crash wrongly.
 */
const keepUnbundled: Plugin = {
  name: "keep-unbundled",
  setup(bundler) {
    bundler.onResolve({ filter: /^\./ }, (args) => {
      const target = resolve(args.resolveDir, args.path);
      if (args.kind !== "dynamic-import" && !target.endsWith(`${sep}errors.js`)) return undefined;
      const fromBundle = relative(dirname(LAUNCH_BUNDLE), target).split(sep).join("/");
      return { path: fromBundle.startsWith(".") ? fromBundle : `./${fromBundle}`, external: true };
    });
  },
};

const result = await build({
  entryPoints: [ENTRY],
  outfile: LAUNCH_BUNDLE,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node24",
  plugins: [keepUnbundled],
  logLevel: "warning",
});
if (result.errors.length > 0) process.exitCode = 1;
