import { newSplitStats } from './line-splitter.js';
export const SINK_FAILURE_REASONS = [
    'status_4xx',
    'status_429',
    'status_5xx',
    'connection',
    'timeout',
];
export function newShipperStats() {
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
        filesOpened: 0,
        filesClosed: 0,
    };
}
//# sourceMappingURL=stats.js.map