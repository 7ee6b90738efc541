import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

import { ConfigError, createLogger, type LogLevel } from '@sidecar-pod/common';
import { pino, type Logger } from 'pino';

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
  /** Reopens LOG_FILE by name, after a rotation renamed it (SIGHUP). */
  reopen(): void;
  /** Writes out what is buffered and closes the destinations; log nothing after. */
  close(): Promise<void>;
  /** Last resort on a crash path: writes buffered lines synchronously. */
  flushSync(): void;
}

type SonicBoom = ReturnType<typeof pino.destination>;

const CLOSE_WAIT_MS = 2000;

/**
 * web's logger: JSON lines to stdout and, with LOG_FILE, appended to that file too.
 * Both are asynchronous sonic-boom streams, fed once per turn of the event loop
 * rather than once per line, so that no request waits on a write.
 */
export function openLogs(settings: LogSettings, version: string): WebLogs {
  const path = settings.logFile;
  if (path) checkAppendable(path);

  const stdout = pino.destination({ dest: 1, sync: false });
  const file = path
    ? pino.destination({ dest: path, append: true, mkdir: false, sync: false })
    : undefined;
  const fileStream =
    file && path && settings.logFileMaxBytes > 0
      ? rotateBySize(file, path, settings.logFileMaxBytes)
      : file;
  const batch = new TurnBatch(fileStream ? [stdout, fileStream] : [stdout]);

  const logger = createLogger({
    service: 'web',
    version,
    level: settings.logLevel,
    podName: settings.podName,
    destination: batch,
  });
  if (file && path) watchFileErrors(file, path, logger);

  const streams = file ? [stdout, file] : [stdout];
  let closing: Promise<void> | undefined;
  return {
    logger,
    reopen: () => file?.reopen(),
    close: () => {
      // A late event (an aborted request, a Redis close) must not write to a closed stream.
      logger.level = 'silent';
      batch.flush();
      return (closing ??= Promise.all(streams.map(closeStream)).then(() => undefined));
    },
    flushSync: () => {
      batch.flush();
      streams.forEach(flushQuietly);
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

/** Logs a file error once per error code; the stdout copy of each line still goes out. */
function watchFileErrors(file: SonicBoom, path: string, logger: Logger): void {
  let lastCode: string | undefined;
  file.on('ready', () => {
    lastCode = undefined;
  });
  file.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === lastCode) return;

    lastCode = error.code;
    logger.warn(
      { file: path, reason: error.code ?? error.message },
      'cannot write or reopen LOG_FILE; lines still go to stdout',
    );
  });
}

async function closeStream(stream: SonicBoom): Promise<void> {
  // A close error has nowhere to be logged; the timer bounds the wait either way.
  const closed = once(stream, 'close').catch(() => undefined);
  stream.end();
  const timer = new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref());
  await Promise.race([closed, timer]);
}

function flushQuietly(stream: SonicBoom): void {
  // flushSync throws while the file is still opening or after close; nothing to flush then.
  try {
    stream.flushSync();
  } catch {
    return;
  }
}
