import { constants } from 'node:fs';
import { access, mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { isEntry } from './checkpoint-entry.js';
import { CheckpointJournal } from './checkpoint-journal.js';
export class StateDirError extends Error {
    path;
    code;
    constructor(path, code) {
        super(`STATE_DIR ${path} is not a writable directory (${code ?? 'unknown error'})`);
        this.path = path;
        this.code = code;
        this.name = 'StateDirError';
    }
}
export class CorruptCheckpointError extends Error {
    path;
    reason;
    constructor(path, reason) {
        super(`checkpoint file ${path} cannot be used: ${reason}`);
        this.path = path;
        this.reason = reason;
        this.name = 'CorruptCheckpointError';
    }
}
/**
 * STATE_DIR's checkpoint: a snapshot, checkpoints.json, plus the journal of what was delivered
 * since (see CheckpointJournal). A snapshot goes to a temporary file that is fsynced and renamed
 * over the old one, and the directory is fsynced too: rename is atomic on POSIX file systems, so
 * after a crash the file holds either the old or the new state, never a torn mix (the pattern
 * SQLite and etcd describe for their own files). It costs a few milliseconds on a real disk, so
 * it runs on a timer, not per batch.
 */
export class CheckpointStore {
    dir;
    file;
    journal;
    /** Where load() found the journal unreadable, if it did. */
    damage;
    temporary;
    constructor(dir) {
        this.dir = dir;
        this.file = join(dir, 'checkpoints.json');
        this.temporary = join(dir, `checkpoints.json.${process.pid}.tmp`);
        this.journal = new CheckpointJournal(dir);
    }
    /** Creates STATE_DIR if needed and proves it is writable. */
    async prepare() {
        try {
            await mkdir(this.dir, { recursive: true });
            await access(this.dir, constants.W_OK);
        }
        catch (error) {
            throw new StateDirError(this.dir, error.code);
        }
    }
    /** The saved entries (the snapshot with its journals applied); none before the first save. */
    async load() {
        // Learnt first, so a new journal never reuses a generation, even after a corrupt snapshot.
        await this.journal.generations();
        const snapshot = await this.readSnapshot();
        const entries = new Map(snapshot.files.map((entry) => [entry.key, entry]));
        this.damage = await this.journal.replay(snapshot.journal ?? 0, entries);
        return [...entries.values()];
    }
    /** Moves an unusable snapshot aside so it can be inspected; returns the new name. */
    async quarantine() {
        const aside = `${this.file}.corrupt-${Date.now()}`;
        await rename(this.file, aside);
        return aside;
    }
    /** Writes a snapshot durably; `journal` is the generation whose lines come after it. */
    async save(entries, journal) {
        const body = {
            version: 1,
            savedAt: new Date().toISOString(),
            journal,
            files: entries,
        };
        const handle = await open(this.temporary, 'w', 0o600);
        try {
            await handle.writeFile(`${JSON.stringify(body, null, 1)}\n`);
            await handle.sync();
        }
        finally {
            await handle.close();
        }
        await rename(this.temporary, this.file);
        await syncDirectory(this.dir);
    }
    async readSnapshot() {
        let text;
        try {
            text = await readFile(this.file, 'utf8');
        }
        catch (error) {
            if (error.code === 'ENOENT') {
                return { version: 1, savedAt: '', files: [] };
            }
            throw error;
        }
        let parsed;
        try {
            parsed = JSON.parse(text);
        }
        catch (error) {
            throw new CorruptCheckpointError(this.file, error.message);
        }
        if (!isCheckpointFile(parsed)) {
            throw new CorruptCheckpointError(this.file, 'unexpected shape or version');
        }
        return parsed;
    }
}
/** Makes the rename itself durable: without it a crash can bring back the old name. */
async function syncDirectory(dir) {
    const handle = await open(dir, 'r');
    try {
        await handle.sync();
    }
    finally {
        await handle.close();
    }
}
function isCheckpointFile(value) {
    if (typeof value !== 'object' || value === null)
        return false;
    const candidate = value;
    if (candidate.version !== 1 || !Array.isArray(candidate.files))
        return false;
    if (candidate.journal !== undefined && !Number.isSafeInteger(candidate.journal))
        return false;
    return candidate.files.every(isEntry);
}
//# sourceMappingURL=checkpoint-store.js.map