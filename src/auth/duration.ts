// Durations as people type them on the command line and in config: `90m`, `12h`, `30d`, `2w`.
import { AppError } from "../errors.ts";

const UNIT_MS: Readonly<Record<string, number>> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

export function parseDuration(text: string, what = "duration"): number {
  const match = /^(\d{1,6})([mhdw])$/.exec(text.trim());
  const amount = Number(match?.[1]);
  const unit = UNIT_MS[match?.[2] ?? ""];
  if (unit === undefined || !(amount > 0)) {
    throw new AppError(
      "usage",
      `${what} "${text}" is not a duration; write a positive number and a unit: 90m, 12h, 30d or 2w`,
    );
  }
  return amount * unit;
}
