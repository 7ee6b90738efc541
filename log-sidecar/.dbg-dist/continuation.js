import { HEAD_BYTES, TAIL_CHECK_BYTES, hashBytes, headMatches, readAt, tailMatches, } from './file-identity.js';
import { OpenFile } from './open-file.js';
export function savedPoint(point) {
    return {
        offset: point.offset,
        head: point.head,
        tailLength: point.tail.length,
        tailHash: hashBytes(point.tail),
    };
}
/**
 * True when the open file holds the content that `point` was taken from, at least up to its
 * offset: same head and the same bytes just before the offset. The inode alone is not enough
 * (inodes are reused after deletion) and the head alone is not either (many files start with
 * the same banner; a file truncated and written again can have the same head).
 */
export async function continuesFrom(handle, size, point) {
    if (size < point.offset || size < point.head.length)
        return false;
    if (!(await headMatches(handle, point.head)))
        return false;
    return tailMatches(handle, point.offset, point.tailLength, point.tailHash);
}
/**
 * True when the first `size` bytes of `candidate` are also the first bytes of `original`,
 * judged by the first 1 KiB and the last TAIL_CHECK_BYTES of them: a copy still being written.
 */
export async function isPrefixOf(candidate, size, original) {
    const headLength = Math.min(size, HEAD_BYTES);
    const tailStart = Math.max(headLength, size - TAIL_CHECK_BYTES);
    const [a, b] = await Promise.all([
        readAt(candidate, 0, headLength),
        readAt(original, 0, headLength),
    ]);
    if (!a.equals(b))
        return false;
    const [c, d] = await Promise.all([
        readAt(candidate, tailStart, size - tailStart),
        readAt(original, tailStart, size - tailStart),
    ]);
    return c.length === size - tailStart && c.equals(d);
}
/** The resume point for `handle` at `point`, with the tail bytes read back from the file. */
export async function resumeAt(handle, point) {
    const tail = await readAt(handle, point.offset - point.tailLength, point.tailLength);
    return { offset: point.offset, tail, head: point.head };
}
/**
 * Looks among `files` for one that continues `point`: the copy logrotate's copytruncate left
 * behind, or a file renamed or copied while the shipper was down. The caller owns the handle.
 */
export async function findContinuation(files, point, exclude) {
    for (const file of files) {
        if (exclude.has(file.key) || file.size < point.offset)
            continue;
        const handle = await OpenFile.open(file.path).catch(() => undefined);
        if (!handle)
            continue;
        const stat = await handle.stat();
        if (await continuesFrom(handle, stat.size, point))
            return { file, handle };
        await handle.close();
    }
    return undefined;
}
//# sourceMappingURL=continuation.js.map