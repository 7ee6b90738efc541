import { createHash } from 'node:crypto';
/**
 * How many leading bytes fingerprint a file. Many loggers start every file with the same
 * banner, so the head alone never decides identity: it is always checked together with the
 * inode or with the bytes just before the saved offset (see TAIL_CHECK_BYTES).
 */
export const HEAD_BYTES = 1024;
/**
 * How many bytes before an offset are remembered and compared before reading on from it.
 * Long enough to span a whole typical log line (and so its timestamp or sequence number):
 * the end of a pino line alone (`"msg":"request completed"}`) repeats from line to line.
 */
export const TAIL_CHECK_BYTES = 512;
export const EMPTY_FINGERPRINT = { length: 0, hash: hashBytes(Buffer.alloc(0)) };
/** Identity of a file system object; from a bigint stat so large inode numbers stay exact. */
export function fileKey(stat) {
    return `${stat.dev}:${stat.ino}`;
}
export function hashBytes(bytes) {
    return createHash('sha256').update(bytes).digest('base64url');
}
/** Reads up to `length` bytes at `position`; fewer when the file ends first. */
export async function readAt(handle, position, length) {
    const buffer = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
        const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
        if (bytesRead === 0)
            break;
        filled += bytesRead;
    }
    return buffer.subarray(0, filled);
}
/** Fingerprint of the first min(size, HEAD_BYTES) bytes. */
export async function readFingerprint(handle, size) {
    const head = await readAt(handle, 0, Math.min(size, HEAD_BYTES));
    return { length: head.length, hash: hashBytes(head) };
}
/** True when the file still starts with the bytes that produced `expected`. */
export async function headMatches(handle, expected) {
    const head = await readAt(handle, 0, expected.length);
    return head.length === expected.length && hashBytes(head) === expected.hash;
}
/** True when the `tailLength` bytes ending at `offset` hash to `tailHash`. */
export async function tailMatches(handle, offset, tailLength, tailHash) {
    const tail = await readAt(handle, offset - tailLength, tailLength);
    return tail.length === tailLength && hashBytes(tail) === tailHash;
}
//# sourceMappingURL=file-identity.js.map