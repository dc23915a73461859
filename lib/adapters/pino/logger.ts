import { pino } from "pino";

import type { Config } from "../../config";
import type { Logger } from "../../ports/logger";

/** JSON lines on stdout (what log collectors expect in a container). */
export function createLogger(config: Pick<Config, "LOG_LEVEL">): Logger {
  return pino({ level: config.LOG_LEVEL, base: { service: "user-console" } });
}
