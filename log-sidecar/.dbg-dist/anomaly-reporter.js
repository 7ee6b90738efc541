/** One warning per kind at most this often; counts in between are summed, never lost. */
const WARN_INTERVAL_MS = 30_000;
const KINDS = [
    { counter: 'longLines', message: 'lines longer than MAX_LINE_BYTES were cut into pieces' },
    { counter: 'invalidUtf8Lines', message: 'lines with invalid UTF-8 shipped with U+FFFD' },
    { counter: 'nulBytes', message: 'NUL bytes skipped (padding a non-appending writer left)' },
    {
        counter: 'unterminatedLines',
        message: 'unterminated last lines of finished files shipped as records',
    },
];
/**
 * Turns the splitter's counters into warnings without flooding stderr: a burst of long lines
 * gives one warning with a count, then at most one more per WARN_INTERVAL_MS.
 */
export class AnomalyReporter {
    stats;
    maxLineBytes;
    logger;
    reported = new Map();
    readFailures = new Map();
    constructor(stats, maxLineBytes, logger) {
        this.stats = stats;
        this.maxLineBytes = maxLineBytes;
        this.logger = logger;
    }
    report(force = false) {
        const now = Date.now();
        for (const kind of KINDS) {
            const total = this.stats[kind.counter];
            const last = this.reported.get(kind.counter) ?? { count: 0, at: 0 };
            if (total === last.count)
                continue;
            if (!force && now - last.at < WARN_INTERVAL_MS)
                continue;
            const fields = { total, since: total - last.count, maxLineBytes: this.maxLineBytes };
            this.logger.warn(fields, kind.message);
            this.reported.set(kind.counter, { count: total, at: now });
        }
    }
    /** A read that failed (EIO, permissions changed): retried next round, warned once a while. */
    readFailed(path, error) {
        const now = Date.now();
        const last = this.readFailures.get(path) ?? 0;
        if (now - last < WARN_INTERVAL_MS)
            return;
        this.readFailures.set(path, now);
        this.logger.warn({ file: path, err: error }, 'reading file failed; retrying');
    }
}
//# sourceMappingURL=anomaly-reporter.js.map