// Settings of the docker runtime.
import { z } from "zod";

export const dockerSchema = z.strictObject({});
export type DockerConfig = z.infer<typeof dockerSchema>;
