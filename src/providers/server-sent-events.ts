// An incremental parser for text/event-stream (the WHATWG "server-sent events" format): feed it
// chunks as they arrive, split anywhere, and it returns each event once its blank line is seen.

export interface ServerSentEvent {
  /** The `event:` field; "message" when the server sent none. */
  event: string;
  data: string;
  id: string | undefined;
}

export interface ServerSentEventParser {
  /** Returns the events completed by this chunk. */
  push(chunk: string): ServerSentEvent[];
  /** Call at end of stream: an event without its closing blank line is dropped, as the standard says. */
  end(): ServerSentEvent[];
}

export function createServerSentEventParser(): ServerSentEventParser {
  let buffer = "";
  let event = "";
  let data: string[] = [];
  let id: string | undefined;
  let lastId: string | undefined;
  // A CR at the end of one chunk may be the first half of a CRLF split across chunks.
  let pendingCarriageReturn = false;

  function takeLine(line: string, completed: ServerSentEvent[]): void {
    if (line === "") {
      if (data.length > 0) {
        completed.push({ event: event === "" ? "message" : event, data: data.join("\n"), id: id ?? lastId });
        lastId = id ?? lastId;
      }
      event = "";
      data = [];
      id = undefined;
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "event") event = value;
    else if (field === "id" && !value.includes("\0")) id = value;
  }

  return {
    push(chunk) {
      const completed: ServerSentEvent[] = [];
      let text = chunk;
      if (pendingCarriageReturn && text.startsWith("\n")) text = text.slice(1);
      pendingCarriageReturn = false;
      buffer += text;
      let start = 0;
      for (let index = 0; index < buffer.length; index += 1) {
        const character = buffer[index];
        if (character !== "\n" && character !== "\r") continue;
        takeLine(buffer.slice(start, index), completed);
        if (character === "\r") {
          if (index + 1 === buffer.length) pendingCarriageReturn = true;
          else if (buffer[index + 1] === "\n") index += 1;
        }
        start = index + 1;
      }
      buffer = buffer.slice(start);
      return completed;
    },
    end() {
      buffer = "";
      data = [];
      event = "";
      return [];
    },
  };
}
