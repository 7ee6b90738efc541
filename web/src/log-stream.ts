import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';

import type { Logger } from 'pino';
import sonicBoom from 'sonic-boom';

// A CommonJS module whose class is both module.exports and its SonicBoom property.
const { SonicBoom } = sonicBoom;
type SonicBoom = InstanceType<typeof SonicBoom>;

/**
 * What a destination may hold while it takes nothing (a full disk, a stdout nobody
 * reads), about 60,000 request lines. Past it, new lines for that destination are
 * dropped and counted rather than grown into the heap until the container is killed.
 */
const MAX_PENDING_BYTES = 16 * 1024 * 1024;

/**
 * The most one write to LOG_FILE takes. A writer that fell behind (each rotation pauses it
 * while the new file opens) catches up in a few writes; with sonic-boom's 16 KiB it could
 * not, once rotations came many times a second, and LOG_FILE lagged further and further.
 */
const FILE_MAX_WRITE_BYTES = 256 * 1024;

const CLOSE_WAIT_MS = 2000;

/**
 * One asynchronous destination of web's log lines. Built with sonic-boom directly, not
 * with pino.destination: pino's exit hook flushes synchronously and retries a failing
 * write forever, so a full disk or a broken stdout would hang web's exit.
 */
export class LogStream {
  readonly boom: SonicBoom;
  /** The error code while writes fail; undefined while they succeed. */
  private failing: string | undefined;
  /** Lines dropped since the destination last took any. */
  private dropped = 0;
  /** A reopen asked for and not yet done: its success is logged when the file is open. */
  private reopening = false;
  private logger: Logger | undefined;

  /** Names the destination in every line this stream logs about itself. */
  private readonly fields: Record<string, string>;

  private constructor(
    boom: SonicBoom,
    fields: Record<string, string>,
    private readonly path?: string,
  ) {
    this.boom = boom;
    this.fields = fields;
  }

  static stdout(): LogStream {
    const boom = new SonicBoom({ fd: 1, maxLength: MAX_PENDING_BYTES });
    return new LogStream(boom, { destination: 'stdout' });
  }

  static file(path: string): LogStream {
    const boom = new SonicBoom({
      dest: path,
      mkdir: false,
      maxLength: MAX_PENDING_BYTES,
      maxWrite: FILE_MAX_WRITE_BYTES,
    });
    return new LogStream(boom, { destination: 'LOG_FILE', file: path }, path);
  }

  write(text: string): void {
    this.boom.write(text);
  }

  /**
   * Logs, once each time, that this destination failed, started dropping lines, or
   * works again. The other destination still gets every line meanwhile.
   */
  watch(logger: Logger): void {
    this.logger = logger;
    this.boom.on('error', (error: NodeJS.ErrnoException) => {
      this.reopening = false;
      const reason = error.code ?? error.message;
      if (reason === this.failing) return;

      this.failing = reason;
      logger.warn({ ...this.fields, reason }, 'cannot write log lines to this destination');
    });
    this.boom.on('drop', (text: string) => {
      const first = this.dropped === 0;
      this.dropped += countLines(text);
      if (!first) return;
      logger.warn(
        { ...this.fields, pendingBytes: MAX_PENDING_BYTES },
        'dropping log lines: this destination takes none and its buffer is full',
      );
    });
    const recovered = () => {
      if (this.failing === undefined && this.dropped === 0) return;

      logger.info(
        { ...this.fields, droppedLines: this.dropped },
        'log lines are written to this destination again',
      );
      this.failing = undefined;
      this.dropped = 0;
    };
    // Only bytes written show a recovery: an open file (after a reopen) may still refuse them.
    this.boom.on('write', recovered);
    this.boom.on('ready', () => {
      if (!this.reopening) return;
      this.reopening = false;
      logger.info({ file: this.path }, 'reopened LOG_FILE');
    });
  }

  /**
   * Opens the file by its name again, after something renamed it (SIGHUP). A reopen that
   * fails leaves sonic-boom waiting to close the old descriptor at the next one, so the
   * usual failure, a directory that is gone, is checked first and never reaches it.
   */
  reopen(): void {
    if (this.path === undefined) return;
    if (!existsSync(dirname(this.path))) {
      this.logger?.warn(
        { file: this.path, reason: 'ENOENT' },
        'cannot reopen LOG_FILE: its directory is gone; lines still go to stdout',
      );
      return;
    }

    this.reopening = true;
    this.boom.reopen();
  }

  /** Crash path: writes what is pending now, unless the destination is failing. */
  flushSync(): void {
    if (this.failing !== undefined) return;
    // flushSync throws while the file is still opening or after close; nothing to flush then.
    try {
      this.boom.flushSync();
    } catch {
      return;
    }
  }

  /**
   * Writes out what is pending and closes, giving up after CLOSE_WAIT_MS.
   * Known shortcoming: on a blocking stdout pipe whose reader stopped reading, a write
   * stays blocked in libuv's thread pool, and Node does not exit before it returns.
   */
  async close(): Promise<void> {
    // A close error has nowhere to be logged; the timer bounds the wait either way.
    const closed = once(this.boom, 'close').catch(() => undefined);
    this.boom.end();
    const timer = new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref());
    await Promise.race([closed, timer]);
  }
}

function countLines(text: string): number {
  let lines = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lines += 1;
  return lines;
}
