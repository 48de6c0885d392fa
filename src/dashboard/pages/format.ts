// How the dashboard writes times, durations and numbers: short, in UTC, and the same on every page.
import { html } from "hono/html";
import type { Html } from "./layout.ts";

/** `2026-11-26 13:20:16Z` in a <time> element carrying the exact instant. */
export function timeOf(at: number | undefined, empty = "—"): Html | string {
  if (at === undefined) return empty;
  const iso = new Date(at).toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 19).replace("T", " ")}Z</time>`;
}

/** `3 s`, `4 min`, `2 h`, `5 d`. */
export function durationOf(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 90) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 36) return `${hours} h`;
  return `${Math.round(hours / 24)} d`;
}

/** `4 min ago`; `in 2 h` for the future. */
export function relativeTo(at: number | undefined, now: number, empty = "never"): string {
  if (at === undefined) return empty;
  return at <= now ? `${durationOf(now - at)} ago` : `in ${durationOf(at - now)}`;
}

export function millisecondsOf(ms: number | undefined): string {
  if (ms === undefined) return "—";
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

export function percentOf(fraction: number): string {
  if (fraction === 0) return "0 %";
  return fraction < 0.01 ? "<1 %" : `${Math.round(fraction * 100)} %`;
}

export function bytesOf(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
