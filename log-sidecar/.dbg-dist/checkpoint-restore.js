import { continuesFrom, findContinuation, resumeAt } from './continuation.js';
import { OpenFile } from './open-file.js';
import { Tailer } from './tailer.js';
/**
 * Matches saved positions to the files in LOG_DIR after a restart. A position continues in the
 * file with the same inode when that file still holds the same content up to the offset;
 * otherwise in any file that does (renamed or copied while the shipper was down, such as the
 * copy copytruncate left). A file found only under a name outside LOG_GLOB is read to its end
 * and then let go. A file whose content changed is not resumed at all: it is read from 0 as a
 * new file by the caller, so a stale offset never lands in the middle of a line.
 */
export async function restoreTailers(options) {
    const { files, entries, logger } = options;
    const byKey = new Map(files.map((file) => [file.key, file]));
    const claimed = new Set();
    const tailers = [];
    for (const entry of entries) {
        const point = entry;
        const same = byKey.get(entry.key);
        let tailer = same && !claimed.has(same.key) ? await resumeSame(same, point, options) : undefined;
        if (!tailer) {
            if (same) {
                logger.info({ file: same.path, offset: entry.offset }, 'file changed while the shipper was down (truncated, rewritten or inode reused); ' +
                    'its saved offset is not used');
            }
            tailer = await resumeElsewhere(entry, options, claimed);
        }
        if (!tailer) {
            options.stats.filesLostWhileDown++;
            logger.warn({ file: entry.path, offset: entry.offset }, 'file saved in the checkpoint is gone; lines written to it after the saved offset ' +
                'while the shipper was down were not shipped');
            continue;
        }
        claimed.add(tailer.key);
        tailers.push(tailer);
    }
    return tailers;
}
async function resumeSame(file, point, options) {
    const handle = await OpenFile.open(file.path).catch(() => undefined);
    if (!handle)
        return undefined;
    const stat = await handle.stat();
    if (!(await continuesFrom(handle, stat.size, point))) {
        await handle.close();
        return undefined;
    }
    const resume = await resumeAt(handle, point);
    const tailer = new Tailer(handle, file.key, file.path, resume, options.readCapacity);
    if (!file.matchesGlob)
        detach(tailer);
    options.logger.info({ file: file.path, offset: point.offset, rotated: !file.matchesGlob }, 'resuming file from its checkpoint');
    return tailer;
}
async function resumeElsewhere(entry, options, claimed) {
    const exclude = new Set([...claimed, entry.key]);
    const found = await findContinuation(options.files, entry, exclude);
    if (!found)
        return undefined;
    const { file, handle } = found;
    const resume = await resumeAt(handle, entry);
    const tailer = new Tailer(handle, file.key, file.path, resume, options.readCapacity);
    if (!file.matchesGlob)
        detach(tailer);
    options.logger.info({ file: entry.path, continuedIn: file.path, offset: entry.offset }, 'resuming file from its checkpoint under another name');
    return tailer;
}
function detach(tailer) {
    tailer.attached = false;
    tailer.detachedAt = Date.now();
}
//# sourceMappingURL=checkpoint-restore.js.map