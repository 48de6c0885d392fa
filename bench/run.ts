// `npm run bench`: runs every bench/*.bench.ts in its own process, one after another, so that one
// benchmark's warm caches and sockets never flatter the next. `npm run bench -- launcher` runs
// only the files whose name contains "launcher"; arguments that start with `--` go to every file
// that runs (`npm run bench -- gateway --soak`).
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const filters = process.argv.slice(2).filter((argument) => !argument.startsWith("--"));
const options = process.argv.slice(2).filter((argument) => argument.startsWith("--"));
const files = readdirSync(import.meta.dirname)
  .filter((name) => name.endsWith(".bench.ts"))
  .filter((name) => filters.length === 0 || filters.some((filter) => name.includes(filter)))
  .sort();

let failed = 0;
for (const file of files) {
  process.stdout.write(`\n## ${file}\n\n`);
  const result = spawnSync(process.execPath, [join(import.meta.dirname, file), ...options], {
    stdio: "inherit",
  });
  if (result.status !== 0) {
    failed += 1;
    process.stdout.write(`(${file} failed with ${result.status ?? result.signal})\n`);
  }
}
process.exitCode = failed === 0 ? 0 : 1;
