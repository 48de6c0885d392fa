// The name an upload carries at the provider: `aio-<journal id>-<original name>`. The journal id is
// what lets recovery recognise the file an interrupted upload made (and sync tell our files from
// others'); the original name stays at the end, extension included, for providers that read it.

const PREFIX = "aio-";
/** 20 characters of [0-9a-z]: unguessable enough, and valid in every provider's file names. */
const JOURNAL_ID = /^[0-9a-z]{20}$/;
const MARKED = /^aio-([0-9a-z]{20})-/;

export function newJournalId(): string {
  const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
  const random = crypto.getRandomValues(new Uint8Array(20));
  // 256 is not a multiple of 36; the slight bias does not matter for an id that only has to be unique.
  return [...random].map((byte) => alphabet[byte % alphabet.length]).join("");
}

export function remoteName(journalId: string, filename: string): string {
  if (!JOURNAL_ID.test(journalId)) throw new Error(`not a journal id: ${journalId}`);
  // Anthropic takes names up to 500 characters, Gemini display names up to 512.
  return `${PREFIX}${journalId}-${filename}`.slice(0, 480);
}

/** The journal id a remote file's name carries; undefined for a file the hub did not name. */
export function journalIdOf(name: string | undefined): string | undefined {
  return name === undefined ? undefined : MARKED.exec(name)?.[1];
}
