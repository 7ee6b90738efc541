import { close, closeSync, fstat, fstatSync, open, openSync, read, } from 'node:fs';
import { promisify } from 'node:util';
const openAsync = promisify(open);
const readAsync = promisify(read);
const closeAsync = promisify(close);
const fstatAsync = promisify(fstat);
/**
 * A file descriptor opened for reading. Unlike fs/promises' FileHandle it can also be opened
 * synchronously, which the shipper needs inside an inotify callback: the file must be held
 * before anything else runs, or a fast rotation can rename it away first.
 */
export class OpenFile {
    fd;
    closed = false;
    constructor(fd) {
        this.fd = fd;
    }
    static async open(path) {
        return new OpenFile(await openAsync(path, 'r'));
    }
    /** The open file, or undefined when it is already gone. */
    static openSync(path) {
        try {
            return new OpenFile(openSync(path, 'r'));
        }
        catch {
            return undefined;
        }
    }
    async read(buffer, offset, length, position) {
        const { bytesRead } = await readAsync(this.fd, buffer, offset, length, position);
        return { bytesRead };
    }
    stat(options) {
        return options ? fstatAsync(this.fd, options) : fstatAsync(this.fd);
    }
    statSync() {
        return fstatSync(this.fd, { bigint: true });
    }
    /** Closes once; a second call does nothing (the number may belong to another file by then). */
    async close() {
        if (this.closed)
            return;
        this.closed = true;
        await closeAsync(this.fd);
    }
    closeSync() {
        if (this.closed)
            return;
        this.closed = true;
        closeSync(this.fd);
    }
}
//# sourceMappingURL=open-file.js.map