/** Most file names with series of their own; further names share OTHER_FILES. */
export const MAX_FILE_LABELS = 100;
export const OTHER_FILES = '_other';
/**
 * Lines and bytes the sink accepted, per file name, for the metrics' `file` label. The name is
 * the base name under which the file matched LOG_GLOB: a file rotated to a name outside the
 * glob keeps the name it had, so app.log's lines stay under "app.log" through every rotation
 * and app.log.1, app.log.2 ... never become series. A glob that matches ever new names (a date
 * in the name) would still add a series a day: past MAX_FILE_LABELS names, the rest share one
 * label, which bounds the series Prometheus keeps and this map alike.
 */
export class ShippedByFile {
    counts = new Map();
    labels = new Set();
    /** The label for a file's base name. */
    label(name) {
        if (this.labels.has(name))
            return name;
        if (this.labels.size >= MAX_FILE_LABELS)
            return OTHER_FILES;
        this.labels.add(name);
        return name;
    }
    /** Adds a delivered batch's counts (one entry per file in the batch, not per line). */
    add(files) {
        for (const [name, count] of files) {
            const label = this.label(name);
            const total = this.counts.get(label);
            if (total) {
                total.records += count.records;
                total.bytes += count.bytes;
            }
            else {
                this.counts.set(label, { ...count });
            }
        }
    }
    entries() {
        return this.counts.entries();
    }
}
//# sourceMappingURL=shipped-by-file.js.map