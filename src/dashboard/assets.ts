// The dashboard's stylesheet and script, served by the hub itself (no fonts, scripts or styles from
// anywhere else): read once at start, compressed once, sent with an ETag so a reload costs a 304.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

export interface Asset {
  readonly body: Buffer;
  /** The same, gzip-compressed, for clients that accept it. */
  readonly gzipped: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

const FILES = {
  "dashboard.css": "text/css; charset=utf-8",
  "dashboard.js": "text/javascript; charset=utf-8",
} as const;

export type AssetName = keyof typeof FILES;

export function isAssetName(name: string): name is AssetName {
  return Object.hasOwn(FILES, name);
}

export function loadAssets(): Record<AssetName, Asset> {
  const load = (name: AssetName): Asset => {
    const body = readFileSync(new URL(`./assets/${name}`, import.meta.url));
    return {
      body,
      gzipped: gzipSync(body, { level: 9 }),
      contentType: FILES[name],
      etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
    };
  };
  return { "dashboard.css": load("dashboard.css"), "dashboard.js": load("dashboard.js") };
}
