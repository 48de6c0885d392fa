// The part of `npm run build` after tsc, for any compiled dist/ folder (the checkout's, or the hub
// image's build context: `node scripts/finish-dist.ts <dist>`): the dashboard's stylesheet and script
// copied in, and the launch path (dist/cli/launch.js and what it imports statically) bundled into
// dist/cli/launch.bundle.js, the one file bin/ai-orchestrator.js loads to launch a mode. Node's loader
// resolves, reads and links each module on its own, which cost a launch more than the code it runs;
// one file avoids that. Everything else stays the unbundled modules of dist/.
import { cpSync } from "node:fs";
import { dirname, relative, resolve, sep } from "node:path";
import { build, type Plugin } from "esbuild";

const ROOT = resolve(import.meta.dirname, "..");
const DIST = resolve(process.argv[2] ?? resolve(ROOT, "dist"));
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

cpSync(resolve(ROOT, "src", "dashboard", "assets"), resolve(DIST, "dashboard", "assets"), {
  recursive: true,
});

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
