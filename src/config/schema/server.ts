// `server:`: where `ai-orchestrator serve` listens, how large a request body may be, how long a
// shutdown waits for answers in flight, and the TLS certificate when the hub terminates TLS itself.
import { z } from "zod";

export const DEFAULT_SERVER_PORT = 8787;

const tlsSchema = z.strictObject({
  cert: z.string().min(1).describe("PEM certificate chain file."),
  key: z.string().min(1).describe("PEM private key file (keep it 0600)."),
});

export const serverSchema = z.strictObject({
  host: z
    .string()
    .min(1)
    .default("127.0.0.1")
    .describe(
      "Address to bind. Anything but loopback needs hub keys (`ai-orchestrator keys create`) and should have TLS.",
    ),
  port: z
    .number()
    .int()
    .min(0)
    .max(65_535)
    .default(DEFAULT_SERVER_PORT)
    .describe("TCP port; 0 takes a free one (the `listening on` line names it)."),
  bodyLimitBytes: z
    .number()
    .int()
    .positive()
    .default(32 * 1024 * 1024)
    .describe("Largest request body accepted; a larger one is answered 413."),
  drainMs: z
    .number()
    .int()
    .nonnegative()
    .default(30_000)
    .describe("On SIGTERM/SIGINT, how long answers and streams in flight may run before the hub exits."),
  tls: tlsSchema
    .optional()
    .describe("Serve HTTPS with these files; without it, put a TLS-terminating reverse proxy in front."),
});
export type ServerConfig = z.infer<typeof serverSchema>;
