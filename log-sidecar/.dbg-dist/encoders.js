import { jsonStringBound, writeJsonString } from './json-string.js';
const NEWLINE = Buffer.from('\n');
const CLOSE = Buffer.from('}\n');
const CLOSE_PARTIAL = Buffer.from(',"partial":true}\n');
export function createEncoder(format, metadata, pool) {
    return format === 'json' ? new JsonEncoder(metadata, pool) : new RawEncoder();
}
/**
 * Ships each line as it was written, LF-terminated. Runs of clean lines are handed to the
 * sink as slices of the read buffer: no string is created and no byte copied per line. That
 * is safe because a read buffer goes back to its pool only after the batch was delivered.
 */
class RawEncoder {
    holdsInput = true;
    batch;
    pieces = [];
    pieceBytes = 0;
    pieceRecords = 0;
    begin(batch) {
        this.batch = batch;
    }
    cleanLines(buffer, start, end, count) {
        this.flushPieces();
        this.target().addPart(buffer.subarray(start, end), count, end - start);
    }
    record(text) {
        this.pieces.push(text, NEWLINE);
        this.pieceBytes += text.length + 1;
        this.pieceRecords++;
    }
    end() {
        this.flushPieces();
        this.batch = undefined;
    }
    flushPieces() {
        if (this.pieces.length === 0)
            return;
        const joined = Buffer.concat(this.pieces, this.pieceBytes);
        this.target().addPart(joined, this.pieceRecords, this.pieceBytes);
        this.pieces = [];
        this.pieceBytes = 0;
        this.pieceRecords = 0;
    }
    target() {
        if (!this.batch)
            throw new Error('RawEncoder used outside begin()/end()');
        return this.batch;
    }
}
/**
 * One JSON object per line: {"ts","file","pod","namespace","container","message"} with
 * "partial":true on the leading pieces of a line cut at MAX_LINE_BYTES. Everything before
 * the message is the same for a whole chunk, so it is built once per chunk; `ts` is when
 * the shipper read the chunk, not a time parsed from the line. Objects are written straight
 * into pooled buffers, the message escaped byte by byte: no string is made per line.
 */
class JsonEncoder {
    pool;
    holdsInput = false;
    constantFields;
    batch;
    prefix = Buffer.alloc(0);
    out;
    outBatch;
    used = 0;
    partStart = 0;
    partRecords = 0;
    constructor(metadata, pool) {
        this.pool = pool;
        let fields = '';
        if (metadata.podName !== undefined)
            fields += `,"pod":${JSON.stringify(metadata.podName)}`;
        if (metadata.podNamespace !== undefined) {
            fields += `,"namespace":${JSON.stringify(metadata.podNamespace)}`;
        }
        if (metadata.containerName !== undefined) {
            fields += `,"container":${JSON.stringify(metadata.containerName)}`;
        }
        this.constantFields = fields;
    }
    begin(batch, path) {
        this.batch = batch;
        // A buffer is given back when its batch is delivered, so it never serves two batches.
        if (this.outBatch !== batch)
            this.out = undefined;
        const ts = new Date().toISOString();
        const prefix = `{"ts":"${ts}","file":${JSON.stringify(path)}${this.constantFields},"message":`;
        this.prefix = Buffer.from(prefix);
    }
    cleanLines(buffer, start, end, count) {
        let position = start;
        for (let i = 0; i < count; i++) {
            const lf = buffer.indexOf(0x0a, position);
            this.append(buffer, position, lf, CLOSE);
            position = lf + 1;
        }
    }
    record(line, partial) {
        this.append(line, 0, line.length, partial ? CLOSE_PARTIAL : CLOSE);
    }
    end() {
        this.pushPart();
        this.batch = undefined;
    }
    /** Writes one object: the chunk's prefix, the line (valid UTF-8) as a JSON string, close. */
    append(line, start, end, close) {
        const worst = this.prefix.length + jsonStringBound(end - start) + close.length;
        if (!this.out || this.used + worst > this.out.length)
            this.nextBuffer(worst);
        const out = this.out;
        this.used += this.prefix.copy(out, this.used);
        this.used = writeJsonString(line, start, end, out, this.used);
        this.used += close.copy(out, this.used);
        this.partRecords++;
    }
    nextBuffer(atLeast) {
        this.pushPart();
        const batch = this.target();
        this.out = this.pool.acquire(atLeast);
        this.outBatch = batch;
        batch.retain(this.out);
        this.used = 0;
        this.partStart = 0;
    }
    pushPart() {
        if (!this.out || this.used === this.partStart)
            return;
        const part = this.out.subarray(this.partStart, this.used);
        this.target().addPart(part, this.partRecords, part.length);
        this.partStart = this.used;
        this.partRecords = 0;
    }
    target() {
        if (!this.batch)
            throw new Error('JsonEncoder used outside begin()/end()');
        return this.batch;
    }
}
//# sourceMappingURL=encoders.js.map