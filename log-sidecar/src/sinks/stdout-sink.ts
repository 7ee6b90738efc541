import type { Writable } from 'node:stream';

import type { Batch } from '../batch.js';
import { SinkAbortedError, type DeliveryResult, type Sink } from './sink.js';

export class StdoutClosedError extends Error {
  constructor(readonly code: string | undefined) {
    super(`stdout cannot be written (${code ?? 'unknown error'})`);
    this.name = 'StdoutClosedError';
  }
}

/**
 * Writes batches to a stream (process.stdout). A batch counts as delivered when the stream
 * reports its last write done, that is handed to the kernel. write() returning false means
 * the reader (the container runtime, a pipe) is behind: ready() then waits for 'drain', so
 * at most one batch waits in memory beyond the stream's own buffer.
 */
export class StdoutSink implements Sink {
  private last: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private aborted = false;

  constructor(private readonly stream: Writable) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      this.failure = new StdoutClosedError(error.code);
    });
  }

  ready(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (!this.stream.writableNeedDrain) return Promise.resolve();

    return new Promise((resolve, reject) => {
      const onDrain = () => {
        this.stream.off('error', onError);
        resolve();
      };
      const onError = (error: NodeJS.ErrnoException) => {
        this.stream.off('drain', onDrain);
        reject(new StdoutClosedError(error.code));
      };
      this.stream.once('drain', onDrain);
      this.stream.once('error', onError);
    });
  }

  send(batch: Batch): Promise<DeliveryResult> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.aborted) return Promise.reject(new SinkAbortedError(batch.records));
    if (batch.parts.length === 0) return this.last.then(() => 'delivered');

    const written = new Promise<void>((resolve, reject) => {
      const { parts } = batch;
      this.stream.cork();
      for (let i = 0; i < parts.length - 1; i++) this.stream.write(parts[i] as Buffer | string);
      this.stream.write(parts[parts.length - 1] as Buffer | string, (error) => {
        if (error) reject(new StdoutClosedError((error as NodeJS.ErrnoException).code));
        else resolve();
      });
      this.stream.uncork();
    });
    this.last = written;
    return written.then(() => 'delivered');
  }

  abort(): void {
    this.aborted = true;
  }
}
