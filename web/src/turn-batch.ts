import type { DestinationStream } from 'pino';

export interface LineSink {
  write(text: string): unknown;
}

/**
 * A log destination that gathers the lines written during one turn of the event loop
 * and passes them on as one string to each sink. Under load a turn answers dozens of
 * requests, and a write per turn instead of a write per line took about a sixth off
 * web's CPU per request (bench/web/RESULTS.md): sonic-boom measures its pending chunk
 * on every write, and each async write is a trip through libuv's thread pool.
 * A line waits at most until the end of the turn; every sink gets the lines in order.
 */
export class TurnBatch implements DestinationStream {
  private pending: string[] = [];
  private readonly sinks: readonly LineSink[];

  constructor(sinks: readonly LineSink[]) {
    this.sinks = sinks;
  }

  write(line: string): void {
    if (this.pending.push(line) === 1) setImmediate(this.flush);
  }

  /** Passes on what is gathered now: before a close, or before a synchronous flush. */
  readonly flush = (): void => {
    if (this.pending.length === 0) return;

    const text = this.pending.join('');
    this.pending = [];
    for (const sink of this.sinks) sink.write(text);
  };
}
