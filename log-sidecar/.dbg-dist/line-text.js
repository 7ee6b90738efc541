import { isUtf8 } from 'node:buffer';
const NUL = 0;
/**
 * Removes NUL bytes. A writer that does not open its file with O_APPEND keeps its own offset,
 * so after copytruncate its next write lands past the new end and the kernel fills the gap
 * with NULs (a sparse hole): they are padding, never log content.
 */
export function removeNul(line) {
    const kept = Buffer.allocUnsafe(line.length);
    let length = 0;
    for (let i = 0; i < line.length; i++) {
        const byte = line[i];
        if (byte !== NUL)
            kept[length++] = byte;
    }
    return kept.subarray(0, length);
}
/**
 * The line as valid UTF-8: invalid sequences become U+FFFD, the same replacement
 * Buffer#toString applies. Lines are only decoded whole, so a character split across two
 * writes has already been joined by the time it gets here.
 */
export function toValidUtf8(line) {
    if (isUtf8(line))
        return { text: line, replaced: false };
    return { text: Buffer.from(line.toString('utf8'), 'utf8'), replaced: true };
}
/**
 * Where to cut a line that is longer than the limit: at most `limit` bytes after `start`,
 * moved back so that no UTF-8 character and no CR of a CRLF pair is split.
 */
export function pieceEnd(buffer, start, limit) {
    let cut = start + limit;
    const floor = Math.max(start + 1, cut - 3);
    while (cut > floor && (buffer[cut] & 0xc0) === 0x80)
        cut--;
    if (cut - 1 > start && buffer[cut - 1] === 0x0d)
        cut--;
    return cut;
}
//# sourceMappingURL=line-text.js.map