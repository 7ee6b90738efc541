import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { SINK_FAILURE_REASONS } from './stats.js';
const PREFIX = 'log_sidecar_';
/**
 * Builds log-sidecar's metrics in a registry of its own (tests build several in one process).
 * Nothing here runs per line or per batch: every value is read at scrape time from counters the
 * shipper keeps anyway (per-file counts are added once per batch), so the hot path pays nothing.
 * Counters are rebuilt from those totals at each scrape, which keeps them exact.
 */
export function createShipperMetrics(stats, shipper) {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: PREFIX });
    totals(registry, 'lines_shipped_total', {
        help: 'Records the sink accepted, by file (a line cut into pieces counts once per piece)',
        labelNames: ['file'],
        read: () => [...shipper.shippedByFile()].map(([file, count]) => [{ file }, count.records]),
    });
    totals(registry, 'bytes_shipped_total', {
        help: 'Bytes of the file (line endings included) whose records the sink accepted, by file',
        labelNames: ['file'],
        read: () => [...shipper.shippedByFile()].map(([file, count]) => [{ file }, count.bytes]),
    });
    totals(registry, 'lines_modified_total', {
        help: 'Lines shipped in a changed form, by reason: long_line_cut (longer than MAX_LINE_BYTES, ' +
            'shipped in pieces), invalid_utf8_replaced (U+FFFD), unterminated_shipped (the last line ' +
            'of a finished rotated file, without its LF)',
        labelNames: ['reason'],
        read: () => [
            [{ reason: 'long_line_cut' }, stats.longLines],
            [{ reason: 'invalid_utf8_replaced' }, stats.invalidUtf8Lines],
            [{ reason: 'unterminated_shipped' }, stats.unterminatedLines],
        ],
    });
    totals(registry, 'lines_dropped_total', {
        help: 'Lines read but never shipped, by reason: sink_refused (the sink answered 4xx)',
        labelNames: ['reason'],
        read: () => [[{ reason: 'sink_refused' }, stats.recordsDropped]],
    });
    totals(registry, 'bytes_dropped_total', {
        help: 'Bytes of the files never shipped, by reason: nul_skipped (NUL padding), ' +
            'overwritten_unread (written after the last read, then truncated or overwritten in place)',
        labelNames: ['reason'],
        read: () => [
            [{ reason: 'nul_skipped' }, stats.nulBytes],
            [{ reason: 'overwritten_unread' }, stats.unreadBytesLost],
        ],
    });
    totals(registry, 'sink_retries_total', {
        help: 'Delivery attempts that failed and were retried',
        labelNames: [],
        read: () => [[{}, stats.deliveryRetries]],
    });
    totals(registry, 'sink_failures_total', {
        help: 'Failed delivery attempts, by reason: status_4xx (batch dropped, not retried), ' +
            'status_429, status_5xx, connection, timeout (retried)',
        labelNames: ['reason'],
        read: () => SINK_FAILURE_REASONS.map((reason) => [{ reason }, stats.sinkFailures[reason]]),
    });
    totals(registry, 'truncations_total', {
        help: 'Files found truncated or overwritten in place, then read again from their start',
        labelNames: [],
        read: () => [[{}, stats.truncations]],
    });
    totals(registry, 'checkpoint_write_failures_total', {
        help: 'Checkpoint writes that failed (STATE_DIR full or gone); shipping goes on',
        labelNames: [],
        read: () => [[{}, shipper.checkpointWriteFailures()]],
    });
    new Gauge({
        name: `${PREFIX}file_lag_bytes`,
        help: 'Bytes between the position up to which the sink accepted the lines of each followed ' +
            'file and its end, by file, measured at scrape',
        labelNames: ['file'],
        registers: [registry],
        async collect() {
            const lag = await shipper.lagBytesByFile();
            this.reset();
            for (const [file, bytes] of lag)
                this.set({ file }, bytes);
        },
    });
    new Gauge({
        name: `${PREFIX}checkpoint_age_seconds`,
        help: 'Seconds since the checkpoint was last written; it is written after every accepted ' +
            'batch, so it also grows while there is nothing new to ship',
        registers: [registry],
        collect() {
            this.set(shipper.checkpointAgeSeconds());
        },
    });
    new Gauge({
        name: `${PREFIX}files_followed`,
        help: 'Files open and followed, rotated files still being read included',
        registers: [registry],
        collect() {
            this.set(shipper.filesFollowed());
        },
    });
    return registry;
}
/** A counter whose value is a running total the shipper keeps, copied at each scrape. */
function totals(registry, name, options) {
    new Counter({
        name: `${PREFIX}${name}`,
        help: options.help,
        labelNames: options.labelNames,
        registers: [registry],
        collect() {
            this.reset();
            for (const [labels, value] of options.read())
                this.inc(labels, value);
        },
    });
}
//# sourceMappingURL=metrics.js.map