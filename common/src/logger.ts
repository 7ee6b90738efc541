import { pino, type DestinationStream, type Logger } from 'pino';

import type { LogLevel } from './env.js';

export interface LoggerOptions {
  service: string;
  version: string;
  level: LogLevel;
  /** Pod name from the Downward API, where the process runs in a pod. */
  podName?: string | undefined;
  destination?: DestinationStream;
}

/**
 * The one logger shape of the three containers: the same base fields and level
 * names, so a line that the log sidecar ships reads like one it writes itself.
 */
export function createLogger(options: LoggerOptions): Logger {
  const base: Record<string, string> = { service: options.service, version: options.version };
  if (options.podName) base.pod = options.podName;

  const settings = {
    level: options.level,
    base,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
