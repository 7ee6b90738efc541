/**
 * Encoded records on their way to the sink, and the file positions they complete. The marks
 * are applied to the checkpoint only after the sink accepted every record of the batch.
 */
export class Batch {
    parts = [];
    /** Input bytes read into this batch, to bound its size before encoding. */
    inputBytes = 0;
    outputBytes = 0;
    records = 0;
    /** Latest mark per file; a later mark for the same file replaces the earlier one. */
    marks = new Map();
    createdAt = Date.now();
    /** Pooled buffers the parts point into; back to the pool once the batch is delivered. */
    retained = [];
    /** Records and input bytes per file base name, added once per chunk (for the metrics). */
    files = new Map();
    get isEmpty() {
        return this.records === 0 && this.marks.size === 0 && this.parts.length === 0;
    }
    addPart(part, records, outputBytes) {
        this.parts.push(part);
        this.records += records;
        this.outputBytes += outputBytes;
    }
    count(name, records, bytes) {
        const count = this.files.get(name);
        if (count) {
            count.records += records;
            count.bytes += bytes;
        }
        else {
            this.files.set(name, { records, bytes });
        }
    }
    retain(buffer) {
        this.retained.push(buffer);
    }
    mark(mark) {
        this.marks.delete(mark.key);
        this.marks.set(mark.key, mark);
    }
}
//# sourceMappingURL=batch.js.map