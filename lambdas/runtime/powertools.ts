import { Logger } from '@aws-lambda-powertools/logger';
import type { Log } from '../ports/log';

/** A Powertools logger adapted to the engine's Log interface. */
export function powertoolsLog(serviceName: string): { logger: Logger; log: Log } {
  const logger = new Logger({ serviceName });
  const log: Log = {
    info: (message, extra) => logger.info(message, extra ?? {}),
    warn: (message, extra) => logger.warn(message, extra ?? {}),
    error: (message, extra) => logger.error(message, extra ?? {}),
  };
  return { logger, log };
}
