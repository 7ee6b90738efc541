import { hashBytes } from './file-identity.js';
/**
 * Delivered positions per file. Only positions of batches the sink accepted (or dropped for
 * good) get here, so a checkpoint never runs ahead of the sink. delivered() appends the batch's
 * positions to the checkpoint journal at once, before the shipper hands the next batch to the
 * sink: a kill -9 then repeats at most the one batch that was out. Every `syncIntervalMs` (and
 * at shutdown) the whole state goes into a durable snapshot that ends the journal so far, so a
 * crash of the machine repeats at most about that much more.
 */
export class OffsetLedger {
    store;
    options;
    entries = new Map();
    /** Counts changes to `entries`; `synced` is the one the last snapshot holds. */
    version = 0;
    synced = -1;
    queue = Promise.resolve();
    /** After flush() only flush() writes: nothing may still be writing when the process exits. */
    closed = false;
    timer;
    snapshotting = false;
    failuresInARow = 0;
    /** Failed checkpoint writes since start. */
    writeFailures = 0;
    /** When a checkpoint write last succeeded (epoch ms); undefined before the first. */
    savedAt;
    constructor(store, options) {
        this.store = store;
        this.options = options;
    }
    /** Starts from positions loaded at start-up: they are on disk already. */
    seed(entries) {
        for (const entry of entries)
            this.entries.set(entry.key, entry);
        this.version++;
    }
    /** Replaces every entry: after start-up matched saved positions to the files found. */
    reset(marks) {
        const changes = [...this.entries.keys()].map((key) => ({
            key,
            removed: true,
        }));
        this.entries.clear();
        for (const mark of marks) {
            const entry = toEntry(mark);
            this.entries.set(entry.key, entry);
            changes.push(entry);
        }
        this.version++;
        this.record(changes);
    }
    /** Opens this run's journal and starts the snapshot timer. */
    async start() {
        await this.store.journal.next().then(() => this.succeeded(), (error) => this.failed(error));
        this.timer = setInterval(() => this.sync(), this.options.syncIntervalMs);
        this.timer.unref();
    }
    /** The position up to which the sink accepted a file's lines; undefined before any. */
    deliveredOffset(key) {
        return this.entries.get(key)?.offset;
    }
    /**
     * Applies the marks of a batch the sink accepted (or dropped for good) and journals them
     * before returning. A failed write is reported through onSaveError; the next snapshot
     * holds the positions all the same.
     */
    delivered(batch) {
        if (batch.marks.size === 0)
            return;
        const changes = [];
        for (const mark of batch.marks.values()) {
            if ('removed' in mark) {
                this.entries.delete(mark.key);
                changes.push(mark);
            }
            else {
                const entry = toEntry(mark);
                this.entries.set(entry.key, entry);
                changes.push(entry);
            }
        }
        this.version++;
        this.record(changes);
    }
    /** Writes a last snapshot and waits for it; used at shutdown. Rejects on failure. */
    async flush() {
        if (this.timer)
            clearInterval(this.timer);
        this.closed = true;
        this.queue = this.queue.then(() => this.snapshot(true));
        try {
            await this.queue;
        }
        finally {
            await this.store.journal.close();
        }
    }
    record(changes) {
        if (this.closed)
            return;
        this.attempt(() => this.store.journal.append(changes));
    }
    /** A snapshot slower than the interval (fsync on a busy disk) must not queue up more. */
    sync() {
        if (this.closed || this.snapshotting || this.synced === this.version)
            return;
        this.snapshotting = true;
        this.queue = this.queue
            .then(() => this.snapshot(false))
            .catch(() => undefined)
            .finally(() => (this.snapshotting = false));
    }
    /**
     * Writes the state into a snapshot. The journal switches generation at the same moment the
     * state is copied, so the snapshot and the new journal together always hold every change.
     * The final snapshot starts no journal: nothing follows it.
     */
    async snapshot(final) {
        let version = this.version;
        let entries = [...this.entries.values()];
        const { journal } = this.store;
        const capture = () => {
            version = this.version;
            entries = [...this.entries.values()];
        };
        try {
            const generation = final ? journal.following() : await journal.next(capture);
            await this.store.save(entries, generation);
            await journal.removeBefore(generation);
        }
        catch (error) {
            this.failed(error);
            throw error;
        }
        this.synced = version;
        this.succeeded();
    }
    attempt(write) {
        try {
            write();
        }
        catch (error) {
            this.failed(error);
            return;
        }
        this.succeeded();
    }
    failed(error) {
        this.writeFailures++;
        if (this.failuresInARow++ === 0)
            this.options.onSaveError(error);
    }
    succeeded() {
        this.savedAt = Date.now();
        if (this.failuresInARow > 0)
            this.options.onSaveRecovered(this.failuresInARow);
        this.failuresInARow = 0;
    }
}
function toEntry(mark) {
    return {
        key: mark.key,
        path: mark.path,
        offset: mark.offset,
        head: mark.head,
        tailLength: mark.tail.length,
        tailHash: hashBytes(mark.tail),
    };
}
//# sourceMappingURL=offset-ledger.js.map