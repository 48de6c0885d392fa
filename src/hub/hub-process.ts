// How a hub process is started so that its memory stays small and flat: V8 heap limits and one
// malloc arena. Both are read once, at process start (V8 sizes its heap then, glibc its arenas), so
// whatever starts `serve` — bin/ai-orchestrator.js, the local hub's spawn — gives them; a person who
// sets a heap flag of their own (NODE_OPTIONS or node's arguments) gets theirs alone.

/**
 * V8 sizes its young generation for the machine's RAM (up to 128 MB) and lets the old one grow to four
 * times what is live: ~390 MB resident for a hub whose live heap is ~30 MB. A 4 MB semi-space keeps the
 * young generation at 8 MB (2 MB saved no memory that showed, and cost a quarter more CPU per request
 * at 100 clients: more requests in flight outlived it); an old-space limit under 1 GB makes V8 grow the
 * old generation by at most ~1.4 times what is live, and 512 MB still leaves room for several 32 MiB
 * request bodies at once. Measured in docs/PERFORMANCE.md ("Memory: serve's heap", "Ninth run").
 */
export const HUB_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=4", "--max-old-space-size=512"];

/**
 * glibc gives each thread that allocates its own arena (V8's and libuv's helper threads): ~25 MB more
 * resident under load. One arena costs the hub no measurable CPU: its allocations are few and on one thread.
 */
const MALLOC_ARENAS = { name: "MALLOC_ARENA_MAX", value: "1" } as const;

const HEAP_FLAG =
  /^--(max-semi-space-size|min-semi-space-size|max-old-space-size|max-heap-size|initial-heap-size|initial-old-space-size)(=|$)/;

/** Whether node's own arguments or NODE_OPTIONS already set a heap size (the person's choice wins). */
function heapFlagsGiven(nodeArgs: readonly string[], nodeOptions: string | undefined): boolean {
  const words = [...nodeArgs, ...(nodeOptions ?? "").split(/\s+/)];
  return words.some((word) => HEAP_FLAG.test(word.replaceAll("_", "-")));
}

/**
 * The arguments and environment a hub process starts with: `nodeArgs` (node's own arguments, and
 * the script after them if wanted) with the heap flags in front; undefined when they hold a heap flag
 * already (a person's, or this function's before a re-exec), or NODE_OPTIONS does.
 */
export function leanHubStart(
  nodeArgs: readonly string[],
  env: NodeJS.ProcessEnv,
): { nodeArgs: string[]; env: NodeJS.ProcessEnv } | undefined {
  if (heapFlagsGiven(nodeArgs, env.NODE_OPTIONS)) return undefined;
  return {
    nodeArgs: [...HUB_NODE_FLAGS, ...nodeArgs],
    env: { [MALLOC_ARENAS.name]: MALLOC_ARENAS.value, ...env },
  };
}
