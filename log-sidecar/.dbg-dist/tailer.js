import { basename } from 'node:path';
import { continuesFrom, resumeAt } from './continuation.js';
import { EMPTY_FINGERPRINT, HEAD_BYTES, TAIL_CHECK_BYTES, readAt, readFingerprint, } from './file-identity.js';
import { splitLines } from './line-splitter.js';
/**
 * Follows one file through its open descriptor, so a rename does not lose it. It remembers the
 * offset after the last complete record and the bytes just before it, and every read starts a
 * little before the offset to compare those bytes: a file truncated or rewritten in place is
 * caught even when it has meanwhile grown past the old offset, or when every file starts with
 * the same banner. An incomplete last line is read again with the next chunk, not buffered.
 */
export class Tailer {
    handle;
    key;
    readCapacity;
    path;
    /** False once the file no longer matches LOG_GLOB under any name (rotated or deleted). */
    attached = true;
    /**
     * Key of the followed file this one is a copy of (copytruncate with a glob that matches the
     * copy). A copy is not read while the original is: both hold the same lines. It is released
     * when the original is truncated or let go, from where the original's reading stopped.
     */
    copyOf;
    /**
     * Set while a new file may be a copy still being written: not read until decided. Holds its
     * size when last looked at and since when it has had that size.
     */
    undecided;
    lastGrowthAt = Date.now();
    /** When the file appeared relative to the others; files are read oldest first. */
    order = 0;
    detachedAt = 0;
    offset;
    tail;
    head;
    lineState = { continuing: false };
    seenSize = -1;
    seenMtimeMs = -1;
    lastStatSize = 0;
    constructor(handle, key, path, resume, readCapacity) {
        this.handle = handle;
        this.key = key;
        this.readCapacity = readCapacity;
        this.path = path;
        this.offset = resume.offset;
        this.tail = resume.tail;
        this.head = resume.head;
    }
    get position() {
        return this.offset;
    }
    resumePoint() {
        return { offset: this.offset, tail: this.tail, head: this.head };
    }
    mark() {
        return {
            key: this.key,
            path: this.path,
            offset: this.offset,
            tail: this.tail,
            head: this.head,
        };
    }
    /** Starts again at byte 0 after the content was replaced. */
    restart() {
        this.moveTo({ offset: 0, tail: Buffer.alloc(0), head: EMPTY_FINGERPRINT });
    }
    /**
     * Continues from where the original of this copy stopped: at `point` when this file holds the
     * same bytes up to there, otherwise at its own end (it is then a shorter prefix of what the
     * original already shipped). Returns the new offset.
     */
    async continueCopy(point) {
        const { size } = await this.handle.stat();
        if (await continuesFrom(this.handle, size, point)) {
            this.moveTo(await resumeAt(this.handle, point));
            return this.offset;
        }
        const end = Math.max(0, size - TAIL_CHECK_BYTES);
        const tail = await readAt(this.handle, end, size - end);
        this.moveTo({ offset: size, tail, head: await readFingerprint(this.handle, size) });
        return this.offset;
    }
    /** Sets where reading starts, before anything was read. */
    startAt(point) {
        this.moveTo(point);
    }
    moveTo(point) {
        this.offset = point.offset;
        this.tail = point.tail;
        this.head = point.head;
        this.lineState.continuing = false;
        this.seenSize = -1;
        this.seenMtimeMs = -1;
    }
    /**
     * Reads what was appended since the last call, up to `budget` bytes. With `final`, an
     * unterminated last line is shipped as a record (the file will not grow any more).
     */
    async read(context, budget, final = false) {
        const stat = await this.handle.stat();
        const sizeBefore = this.lastStatSize;
        if (stat.size < this.offset)
            return this.replaced(stat.size, sizeBefore);
        const unchanged = stat.size === this.seenSize && stat.mtimeMs === this.seenMtimeMs;
        if (unchanged && !final)
            return { kind: 'idle' };
        if (stat.size !== this.lastStatSize)
            this.lastGrowthAt = Date.now();
        this.lastStatSize = stat.size;
        if (this.head.length < HEAD_BYTES && stat.size > this.head.length) {
            this.head = await readFingerprint(this.handle, stat.size);
        }
        let total = 0;
        for (;;) {
            const chunk = await this.readChunk(stat.size, context);
            if (chunk === 'replaced')
                return this.replaced(stat.size, sizeBefore);
            // Only the chunk that reaches the end may end with an unterminated line that is final.
            const reachesEnd = this.offset - chunk.tailLength + chunk.view.length >= stat.size;
            const consumed = this.consume(chunk, context, final && reachesEnd);
            total += consumed;
            await context.afterChunk();
            const atEnd = !chunk.stoppedEarly && this.offset + chunk.unread >= stat.size;
            if (atEnd) {
                this.seenSize = stat.size;
                this.seenMtimeMs = stat.mtimeMs;
                return total > 0 ? { kind: 'read', bytes: total, more: false } : { kind: 'idle' };
            }
            if (total >= budget || consumed === 0) {
                return { kind: 'read', bytes: total, more: true };
            }
        }
    }
    async size() {
        return (await this.handle.stat()).size;
    }
    /** The open descriptor, for comparing this file's bytes with another's. */
    get file() {
        return this.handle;
    }
    async close() {
        await this.handle.close();
    }
    /** Reads the remembered tail and what follows it, up to the size seen by fstat. */
    async readChunk(size, context) {
        const tailLength = this.tail.length;
        const room = Math.max(context.byteBudget(), context.maxLineBytes + 1);
        const length = Math.min(this.readCapacity, tailLength + (size - this.offset), tailLength + room);
        const buffer = context.pool.acquire(length);
        let filled = 0;
        while (filled < length) {
            const position = this.offset - tailLength + filled;
            const { bytesRead } = await this.handle.read(buffer, filled, length - filled, position);
            if (bytesRead === 0)
                break;
            filled += bytesRead;
        }
        const view = buffer.subarray(0, filled);
        if (filled < tailLength || !view.subarray(0, tailLength).equals(this.tail)) {
            context.pool.release([buffer]);
            return 'replaced';
        }
        return { buffer, view, tailLength, unread: 0, stoppedEarly: false };
    }
    /** Splits one chunk into records and moves the offset past them; returns bytes consumed. */
    consume(chunk, context, final) {
        const { view, tailLength } = chunk;
        const options = {
            maxLineBytes: context.maxLineBytes,
            recordBudget: Math.max(1, context.recordBudget()),
            final,
        };
        const batch = context.batch();
        const recordsBefore = batch.records;
        context.encoder.begin(batch, this.path);
        const end = splitLines(view, tailLength, this.lineState, options, context.encoder, context.stats);
        context.encoder.end();
        const consumed = end - tailLength;
        chunk.unread = view.length - end;
        // Out of record budget: what is left is more than one incomplete line.
        chunk.stoppedEarly = view.indexOf(0x0a, end) !== -1 || chunk.unread > context.maxLineBytes;
        if (consumed > 0 && context.encoder.holdsInput)
            batch.retain(chunk.buffer);
        else
            context.pool.release([chunk.buffer]);
        if (consumed === 0)
            return 0;
        this.offset += consumed;
        this.tail = Buffer.from(view.subarray(Math.max(0, end - TAIL_CHECK_BYTES), end));
        batch.inputBytes += consumed;
        batch.count(basename(this.path), batch.records - recordsBefore, consumed);
        batch.mark(this.mark());
        return consumed;
    }
    /** `sizeBefore` is the last size seen of the old content: what it held beyond our offset. */
    replaced(size, sizeBefore) {
        return { kind: 'replaced', size, unreadBytes: Math.max(0, sizeBefore - this.offset) };
    }
}
//# sourceMappingURL=tailer.js.map