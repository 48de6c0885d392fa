// The query string a gateway route forwards to the provider: the client's own (`?beta=true`,
// `?alt=sse`), less the hub's credential. A client may present its hub key as `?key=` on any route
// (auth.ts), so every route forwards its query through this one function.

/** `?…` of the request URL without any `key` parameter, its other bytes as sent; "" when nothing is left. */
export function forwardedQuery(url: string): string {
  const question = url.indexOf("?");
  if (question < 0) return "";
  const kept = url
    .slice(question + 1)
    .split("&")
    .filter((pair) => pair !== "" && !namesKey(pair));
  return kept.length === 0 ? "" : `?${kept.join("&")}`;
}

/** Whether a `name=value` pair is the key, however its name is spelled or encoded (`KEY`, `%6Bey`). */
function namesKey(pair: string): boolean {
  const equals = pair.indexOf("=");
  const name = equals < 0 ? pair : pair.slice(0, equals);
  try {
    return decodeURIComponent(name.replaceAll("+", " ")).trim().toLowerCase() === "key";
  } catch {
    return name.toLowerCase() === "key";
  }
}
