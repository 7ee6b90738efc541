import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileKey } from './file-identity.js';
/**
 * Lists the regular files in `dir` (symlinks followed, as in /var/log/containers), sorted by
 * name: only those matching `pattern`, or with `everything` all of them, which start-up
 * needs to find files rotated to names outside the glob while the shipper was down.
 */
export async function scanDirectory(dir, pattern, everything = false) {
    let names;
    try {
        names = await readdir(dir);
    }
    catch (error) {
        return { kind: 'unavailable', code: error.code ?? 'unknown' };
    }
    const files = [];
    for (const name of names.sort()) {
        const matchesGlob = pattern.test(name);
        if (!matchesGlob && !everything)
            continue;
        const path = join(dir, name);
        const info = await stat(path, { bigint: true }).catch(() => undefined);
        // Gone between readdir and stat, or a dangling link: the next scan sees the new state.
        if (!info?.isFile())
            continue;
        files.push({ name, path, key: fileKey(info), size: Number(info.size), matchesGlob });
    }
    return { kind: 'present', files };
}
//# sourceMappingURL=dir-scanner.js.map