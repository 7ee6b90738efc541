import type { Batch } from '../batch.js';

export type DeliveryResult = 'delivered' | 'dropped';

/**
 * Where records go. Batches are delivered strictly in the order they were sent, so the
 * shipper can apply each batch's file positions as soon as its promise resolves.
 */
export interface Sink {
  /** Resolves when the sink can take another batch: this is how a slow sink slows reading. */
  ready(): Promise<void>;
  /**
   * Resolves once the batch is delivered, or dropped for good (counted and logged); rejects
   * when the sink can never deliver again (stdout closed) or delivery was aborted.
   */
  send(batch: Batch): Promise<DeliveryResult>;
  /** Stops waiting for a retrying delivery; used when the shutdown deadline passes. */
  abort(): void;
}

export class SinkAbortedError extends Error {
  constructor(readonly records: number) {
    super(`delivery of ${records} records was aborted`);
    this.name = 'SinkAbortedError';
  }
}
