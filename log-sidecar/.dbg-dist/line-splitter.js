import { isUtf8 } from 'node:buffer';
import { pieceEnd, removeNul, toValidUtf8 } from './line-text.js';
const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
export function newSplitStats() {
    return { nulBytes: 0, invalidUtf8Lines: 0, longLines: 0, unterminatedLines: 0 };
}
/**
 * Lines are checked for the fast path in blocks of about this size, so one odd line (a CR,
 * an invalid byte) sends only its own block through the per-line path, not the whole chunk.
 */
const CLEAN_BLOCK_BYTES = 128 * 1024;
/**
 * Splits buffer[start, buffer.length) into records and returns the index after the last byte
 * consumed. Bytes after that index (an incomplete last line) are left for the next call, which
 * reads them again, so an offset taken from the return value always lies on a record boundary.
 */
export function splitLines(buffer, start, state, options, writer, stats) {
    const emit = new Emitter(buffer, state, options, writer, stats);
    const end = buffer.length;
    let position = start;
    while (position < end && emit.budget > 0) {
        if (!state.continuing)
            position = skipNul(buffer, position, end, stats);
        const blockEnd = nextBlockEnd(buffer, position);
        if (blockEnd === -1)
            break;
        const clean = emit.tryClean(position, blockEnd);
        if (clean > position) {
            position = clean;
            continue;
        }
        while (position < blockEnd && emit.budget > 0) {
            const lf = buffer.indexOf(LF, position);
            emit.line(position, lf);
            position = lf + 1;
        }
    }
    // Out of budget with whole lines still ahead: they are read again by the next call.
    if (emit.budget <= 0)
        return position;
    return emit.rest(position, end);
}
/** The index after the last LF within about one block from `position`; -1 without any LF. */
function nextBlockEnd(buffer, position) {
    const probe = Math.min(buffer.length, position + CLEAN_BLOCK_BYTES);
    let lf = buffer.lastIndexOf(LF, probe - 1);
    if (lf < position)
        lf = buffer.indexOf(LF, probe);
    return lf === -1 ? -1 : lf + 1;
}
function skipNul(buffer, position, end, stats) {
    let next = position;
    while (next < end && buffer[next] === NUL)
        next++;
    stats.nulBytes += next - position;
    return next;
}
/** The per-call helpers of splitLines, sharing its buffer, limits and counters. */
class Emitter {
    buffer;
    state;
    options;
    writer;
    stats;
    budget;
    constructor(buffer, state, options, writer, stats) {
        this.buffer = buffer;
        this.state = state;
        this.options = options;
        this.writer = writer;
        this.stats = stats;
        this.budget = options.recordBudget;
    }
    /**
     * Hands over the longest run of lines from `start` that needs no rewriting. Checking a whole
     * region with indexOf and isUtf8 runs in native code and is far cheaper than a check per
     * line. Returns `start` when the region needs the slow path.
     */
    tryClean(start, end) {
        const { buffer } = this;
        const region = buffer.subarray(start, end);
        if (region.indexOf(CR) !== -1 || region.indexOf(NUL) !== -1 || !isUtf8(region))
            return start;
        const limit = this.options.maxLineBytes;
        let count = 0;
        let next = start;
        while (next < end && count < this.budget) {
            const lf = buffer.indexOf(LF, next);
            if (lf - next > limit)
                break;
            count++;
            next = lf + 1;
        }
        if (count === 0)
            return start;
        this.writer.cleanLines(buffer, start, next, count);
        this.budget -= count;
        this.state.continuing = false;
        return next;
    }
    /** One line buffer[start, lf) through CR, NUL, UTF-8 and length handling. */
    line(start, lf) {
        let text = this.buffer.subarray(start, lf);
        if (text.length > 0 && text[text.length - 1] === CR)
            text = text.subarray(0, -1);
        const kept = this.withoutNul(text);
        if (kept === undefined) {
            this.state.continuing = false;
            return;
        }
        this.text(kept, false);
        this.state.continuing = false;
    }
    /**
     * Handles what follows the last LF: pieces of a line longer than the limit are emitted now
     * (so memory stays bounded), an unterminated last line only when no more bytes will come.
     */
    rest(start, end) {
        let position = start;
        const limit = this.options.maxLineBytes;
        if (!this.state.continuing)
            position = skipNul(this.buffer, position, end, this.stats);
        while (end - position > limit && this.budget > 0) {
            const cut = pieceEnd(this.buffer, position, limit);
            const kept = this.withoutNul(this.buffer.subarray(position, cut));
            if (kept !== undefined)
                this.piece(kept, true);
            position = cut;
        }
        if (this.options.final && position < end && this.budget > 0) {
            this.stats.unterminatedLines++;
            this.line(position, end);
            position = end;
        }
        return position;
    }
    /** The text with NUL bytes removed (and counted); undefined when nothing else was left. */
    withoutNul(text) {
        if (text.indexOf(NUL) === -1)
            return text;
        const kept = removeNul(text);
        this.stats.nulBytes += text.length - kept.length;
        return kept.length === 0 ? undefined : kept;
    }
    text(text, partial) {
        const limit = this.options.maxLineBytes;
        if (text.length <= limit) {
            this.piece(text, partial);
            return;
        }
        let position = 0;
        while (text.length - position > limit) {
            const cut = pieceEnd(text, position, limit);
            this.piece(text.subarray(position, cut), true);
            position = cut;
        }
        this.piece(text.subarray(position), partial);
    }
    piece(text, partial) {
        if (partial && !this.state.continuing)
            this.stats.longLines++;
        const valid = toValidUtf8(text);
        if (valid.replaced)
            this.stats.invalidUtf8Lines++;
        this.writer.record(valid.text, partial);
        this.budget--;
        this.state.continuing = partial;
    }
}
//# sourceMappingURL=line-splitter.js.map