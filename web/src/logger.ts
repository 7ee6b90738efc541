import { closeSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

import { ConfigError, createLogger, type LogLevel } from '@sidecar-pod/common';
import type { Logger } from 'pino';

import { LogStream } from './log-stream.js';
import { rotateBySize } from './size-rotation.js';
import { TurnBatch } from './turn-batch.js';

export interface LogSettings {
  logLevel: LogLevel;
  logFile: string | undefined;
  /** Rotate LOG_FILE to `<name>.1` past this size; 0 leaves rotation to someone else. */
  logFileMaxBytes: number;
  podName: string | undefined;
}

export interface WebLogs {
  logger: Logger;
  /** Reopens LOG_FILE by name, after a rotation renamed it (SIGHUP); logs the outcome. */
  reopen(): void;
  /** Writes out what is buffered and closes the destinations; log nothing after. */
  close(): Promise<void>;
  /** Last resort on a crash path: writes buffered lines synchronously. */
  flushSync(): void;
}

/**
 * web's logger: JSON lines to stdout and, with LOG_FILE, appended to that file too.
 * Both are asynchronous sonic-boom streams, fed once per turn of the event loop
 * rather than once per line, so that no request waits on a write.
 */
export function openLogs(settings: LogSettings, version: string): WebLogs {
  const path = settings.logFile;
  if (path) checkAppendable(path);

  const stdout = LogStream.stdout();
  const file = path ? LogStream.file(path) : undefined;
  if (file && path && settings.logFileMaxBytes > 0) {
    rotateBySize(file.boom, path, settings.logFileMaxBytes);
  }
  const streams = file ? [stdout, file] : [stdout];
  const batch = new TurnBatch(streams);

  const logger = createLogger({
    service: 'web',
    version,
    level: settings.logLevel,
    podName: settings.podName,
    destination: batch,
  });
  for (const stream of streams) stream.watch(logger);

  let closing: Promise<void> | undefined;
  return {
    logger,
    reopen: () => file?.reopen(),
    close: () => {
      // A late event (an aborted request, a Redis close) must not write to a closed stream.
      logger.level = 'silent';
      batch.flush();
      return (closing ??= Promise.all(streams.map((stream) => stream.close())).then(
        () => undefined,
      ));
    },
    flushSync: () => {
      batch.flush();
      for (const stream of streams) stream.flushSync();
    },
  };
}

/**
 * Opens LOG_FILE once up front (creating it, never its directory), so a wrong path
 * stops start-up with one line instead of an error event after the first request.
 */
function checkAppendable(path: string): void {
  try {
    closeSync(openSync(path, 'a'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    const hint = code === 'ENOENT' ? `; directory ${JSON.stringify(dirname(path))} must exist` : '';
    throw new ConfigError('LOG_FILE', `cannot append to ${JSON.stringify(path)} (${code})${hint}`);
  }
}
