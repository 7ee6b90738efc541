import { newSplitStats, type SplitStats } from './line-splitter.js';

/** Why a delivery attempt failed; a fixed set, so a metric label on it cannot grow. */
export type SinkFailureReason =
  'status_4xx' | 'status_429' | 'status_5xx' | 'connection' | 'timeout';

export const SINK_FAILURE_REASONS: readonly SinkFailureReason[] = [
  'status_4xx',
  'status_429',
  'status_5xx',
  'connection',
  'timeout',
];

/** Counters of everything the shipper skipped, cut, lost or retried: none of it is silent. */
export interface ShipperStats extends SplitStats {
  recordsRead: number;
  bytesRead: number;
  recordsDelivered: number;
  batchesDelivered: number;
  /** Batches the sink refused for good (a 4xx other than 429): their records are not shipped. */
  batchesDropped: number;
  recordsDropped: number;
  deliveryRetries: number;
  /** Failed delivery attempts by reason: status_4xx was dropped, the others retried. */
  sinkFailures: Record<SinkFailureReason, number>;
  /** Files found truncated or overwritten in place. */
  truncations: number;
  /** Bytes seen beyond our offset before a truncation and found in no copy: not shipped. */
  unreadBytesLost: number;
  /** Bytes shipped from the copy that copytruncate left, which would otherwise be lost. */
  recoveredFromCopyBytes: number;
  /** Files that disappeared while the shipper was down, before their saved offset was reached. */
  filesLostWhileDown: number;
  /** Files first seen under their rotated name (`web.log.1`) and read from there. */
  filesFoundRotated: number;
  filesOpened: number;
  filesClosed: number;
}

export function newShipperStats(): ShipperStats {
  return {
    ...newSplitStats(),
    recordsRead: 0,
    bytesRead: 0,
    recordsDelivered: 0,
    batchesDelivered: 0,
    batchesDropped: 0,
    recordsDropped: 0,
    deliveryRetries: 0,
    sinkFailures: {
      status_4xx: 0,
      status_429: 0,
      status_5xx: 0,
      connection: 0,
      timeout: 0,
    },
    truncations: 0,
    unreadBytesLost: 0,
    recoveredFromCopyBytes: 0,
    filesLostWhileDown: 0,
    filesFoundRotated: 0,
    filesOpened: 0,
    filesClosed: 0,
  };
}
