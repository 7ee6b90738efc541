import { createLogger } from '@sidecar-pod/common';
import type { Logger } from 'pino';

export interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

export interface CapturedLogs {
  logger: Logger;
  /** Every line written so far, exactly as it would reach stdout. */
  text(): string;
  lines(): LogLine[];
}

/** web's logger shape, writing into memory so a test can read every line back. */
export function captureLogs(): CapturedLogs {
  const chunks: string[] = [];
  const logger = createLogger({
    service: 'web',
    version: 'test',
    level: 'debug',
    destination: { write: (chunk: string) => void chunks.push(chunk) },
  });

  const text = (): string => chunks.join('');
  const lines = (): LogLine[] =>
    text()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as LogLine);
  return { logger, text, lines };
}
