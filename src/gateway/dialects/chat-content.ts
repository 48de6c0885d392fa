// The content of a translated user turn: a lone text stays a string, anything else stays parts,
// so clients that tell their parts apart (reminders, attachments, the prompt) still can.
import type { ChatContentPart, ChatMessage } from "../../providers/chat.ts";

export function userContent(
  parts: readonly ChatContentPart[],
): Extract<ChatMessage, { role: "user" }>["content"] {
  const [only] = parts;
  return parts.length === 1 && only?.type === "text" ? only.text : parts;
}
