import { writeSync } from 'node:fs';
import { open, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isEntry } from './checkpoint-entry.js';
const NAME = /^checkpoints\.(\d+)\.journal$/;
/**
 * The positions delivered since the last snapshot, one appended line per accepted batch, in
 * STATE_DIR/checkpoints.<generation>.journal. An append is one write() of a few hundred bytes:
 * a few microseconds, where writing a temporary file and renaming it costs a file system
 * journal commit (about 1 ms, tens of ms on a busy disk, measured with the benchmark). What a
 * killed process wrote stays in the page cache, so an append survives kill -9; a line cut
 * short by a crash of the machine is the last one, and replay ignores it. Every snapshot starts
 * the next generation, and journals older than the snapshot that is on disk are removed.
 */
export class CheckpointJournal {
    dir;
    handle;
    generation = 0;
    constructor(dir) {
        this.dir = dir;
    }
    /** The generations on disk, oldest first; a new journal takes the generation after them. */
    async generations() {
        const names = await readdir(this.dir).catch(() => []);
        const found = names.flatMap((name) => {
            const match = NAME.exec(name);
            return match ? [Number(match[1])] : [];
        });
        found.sort((a, b) => a - b);
        this.generation = Math.max(this.generation, found.at(-1) ?? 0);
        return found;
    }
    /**
     * Applies the journals of `from` and later generations to `entries`, oldest first. Stops at
     * the first line that cannot be read (and returns where): the state is then older than it
     * was, which ships lines again rather than losing any.
     */
    async replay(from, entries) {
        for (const generation of await this.generations()) {
            if (generation < from)
                continue;
            const file = this.path(generation);
            const lines = (await readFile(file, 'utf8')).split('\n');
            // The text after the last LF is a line a crash cut short (or nothing): never applied.
            lines.pop();
            for (const [index, line] of lines.entries()) {
                const changes = parseLine(line);
                if (!changes)
                    return { file, line: index + 1 };
                for (const change of changes) {
                    if ('removed' in change)
                        entries.delete(change.key);
                    else
                        entries.set(change.key, change);
                }
            }
        }
        return undefined;
    }
    /**
     * Creates the next generation's file, then switches appends to it. Creating a file waits for
     * the file system's journal, which can take long on a busy disk, so it is not done on the
     * event loop; `onSwitch` runs in the same tick as the switch, before any other append.
     * If the file cannot be created, appends go on in the current one.
     */
    async next(onSwitch = () => undefined) {
        const generation = this.generation + 1;
        const handle = await open(this.path(generation), 'a', 0o600);
        const previous = this.handle;
        this.handle = handle;
        this.generation = generation;
        onSwitch(generation);
        await previous?.close();
        return generation;
    }
    /** The generation a snapshot written now, with no journal after it, continues into. */
    following() {
        return this.generation + 1;
    }
    /**
     * Appends one line synchronously, so it is written before the next batch goes out: one
     * write() into the page cache, which does not wait for the disk.
     */
    append(changes) {
        if (!this.handle)
            throw new Error(`no checkpoint journal open in ${this.dir}`);
        const line = Buffer.from(`${JSON.stringify(changes)}\n`);
        let written = 0;
        while (written < line.length)
            written += writeSync(this.handle.fd, line, written);
    }
    /** Removes the journals a snapshot on disk has taken in. */
    async removeBefore(generation) {
        for (const found of await this.generations()) {
            if (found < generation)
                await rm(this.path(found), { force: true });
        }
    }
    async close() {
        const handle = this.handle;
        this.handle = undefined;
        await handle?.close();
    }
    path(generation) {
        return join(this.dir, `checkpoints.${generation}.journal`);
    }
}
function parseLine(line) {
    let parsed;
    try {
        parsed = JSON.parse(line);
    }
    catch {
        return undefined;
    }
    if (!Array.isArray(parsed) || !parsed.every(isChange))
        return undefined;
    return parsed;
}
function isChange(value) {
    if (typeof value !== 'object' || value === null)
        return false;
    const change = value;
    if (change.removed === true)
        return typeof change.key === 'string';
    return isEntry(value);
}
//# sourceMappingURL=checkpoint-journal.js.map