import { watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import { fileKey } from './file-identity.js';
/**
 * Wakes the shipper when LOG_DIR changes (inotify through fs.watch reports writes to the
 * files inside a watched directory too), with polling as the fallback: fs.watch can miss
 * events on network file systems and stays on a directory that was deleted and recreated,
 * so the watch is renewed whenever the directory's identity changes.
 */
export class DirectoryWatcher {
    dir;
    onName;
    /** A name appeared, disappeared or moved since the last call to takeNamesChanged(). */
    namesChanged = true;
    watcher;
    watchedKey;
    wake;
    pending = false;
    /** `onName` hears every name inotify reports as created, removed or moved. */
    constructor(dir, onName = () => undefined) {
        this.dir = dir;
        this.onName = onName;
    }
    /** Watches the directory if it exists and is not watched yet. */
    async ensure() {
        const info = await stat(this.dir, { bigint: true }).catch(() => undefined);
        const key = info?.isDirectory() ? fileKey(info) : undefined;
        if (key === this.watchedKey && this.watcher)
            return;
        this.stopWatching();
        if (key === undefined)
            return;
        try {
            this.watcher = watch(this.dir, { persistent: false }, (event, name) => this.onEvent(event, name));
            this.watcher.on('error', () => this.stopWatching());
            this.watchedKey = key;
        }
        catch {
            // Not watchable (inotify limit reached, unsupported file system): polling carries on.
            this.watcher = undefined;
        }
    }
    takeNamesChanged() {
        const changed = this.namesChanged;
        this.namesChanged = false;
        return changed;
    }
    /** Resolves after `ms`, or as soon as something in the directory changes. */
    wait(ms) {
        if (this.pending) {
            this.pending = false;
            return Promise.resolve();
        }
        return new Promise((resolve) => {
            const done = () => {
                clearTimeout(timer);
                this.wake = undefined;
                this.pending = false;
                resolve();
            };
            const timer = setTimeout(done, ms);
            this.wake = done;
        });
    }
    /** Ends a wait() now (shutdown). */
    interrupt() {
        this.pending = true;
        this.wake?.();
    }
    close() {
        this.stopWatching();
        this.interrupt();
    }
    onEvent(event, name) {
        if (event === 'rename') {
            this.namesChanged = true;
            if (name)
                this.onName(name);
        }
        this.pending = true;
        this.wake?.();
    }
    stopWatching() {
        this.watcher?.close();
        this.watcher = undefined;
        this.watchedKey = undefined;
        this.namesChanged = true;
    }
}
//# sourceMappingURL=dir-watcher.js.map