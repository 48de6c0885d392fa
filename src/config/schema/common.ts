// Small schema pieces shared by every section of config.yaml.
import { z } from "zod";

export const httpUrl = z.string({ error: "must be an http(s) URL" }).refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}, "must be an http(s) URL");

export const redisUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === "redis:" || url.protocol === "rediss:";
  } catch {
    return false;
  }
}, "must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379");

export const identifier = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,39}$/, "must be lower-case letters, digits and '-', starting with a letter");

export const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name");

export const durationMs = z.number().int().nonnegative();

export const runtimeName = z.enum(["auto", "process", "bwrap", "docker"], {
  error: "must be one of auto, process, bwrap, docker",
});
export type RuntimeChoice = z.infer<typeof runtimeName>;
