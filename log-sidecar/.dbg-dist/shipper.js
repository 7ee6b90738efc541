import { basename, join } from 'node:path';
import { AnomalyReporter } from './anomaly-reporter.js';
import { Batch } from './batch.js';
import { BufferPool } from './buffer-pool.js';
import { CorruptCheckpointError, } from './checkpoint-store.js';
import { restoreTailers } from './checkpoint-restore.js';
import { continuesFrom, findContinuation, isPrefixOf, resumeAt, savedPoint, } from './continuation.js';
import { DirectoryWatcher } from './dir-watcher.js';
import { scanDirectory } from './dir-scanner.js';
import { createEncoder } from './encoders.js';
import { EMPTY_FINGERPRINT, TAIL_CHECK_BYTES, fileKey } from './file-identity.js';
import { OffsetLedger } from './offset-ledger.js';
import { OpenFile } from './open-file.js';
import { ShippedByFile } from './shipped-by-file.js';
import { SinkAbortedError } from './sinks/sink.js';
import { Tailer } from './tailer.js';
/** /healthz fails when the loop has not come round for this long. */
const LIVENESS_STALL_MS = 60_000;
/** Read and output buffers kept for reuse; more are allocated while batches are in flight. */
const POOLED_BUFFERS = 16;
/** Files opened on an inotify event and waiting for the next scan; more are left to the scan. */
const MAX_EARLY_FILES = 256;
/** Chunks one file may read per round before the next file gets its turn. */
const CHUNKS_PER_TURN = 4;
/**
 * The loop: find files, read what was appended, batch records, hand batches to the sink in
 * order, and record each file's position once the sink has the records before it.
 */
export class Shipper {
    deps;
    // Known shortcoming: every followed file keeps a descriptor open, so a directory of thousands
    // of matching files needs RLIMIT_NOFILE raised to match.
    tailers = new Map();
    watcher;
    ledger;
    context;
    readCapacity;
    anomalies;
    pool;
    shipped = new ShippedByFile();
    startedAt = Date.now();
    batch = new Batch();
    /** Loaded at start; matched to files once LOG_DIR can be listed. */
    pendingEntries = [];
    /** Files opened the moment inotify reported their name, not yet taken over by a scan. */
    early = new Map();
    /** Counts files in the order they appeared; reading goes oldest first. */
    sequence = 0;
    deliveries = Promise.resolve();
    restored = false;
    dirAvailable;
    lastScanAt = 0;
    lastBeat = Date.now();
    ready = false;
    stopping = false;
    stopRequestedAt = 0;
    failure;
    constructor(deps) {
        this.deps = deps;
        const { config, logger, stats } = deps;
        this.watcher = new DirectoryWatcher(config.logDir, (name) => {
            if (config.globPattern.test(name))
                this.openEarly(name);
        });
        this.ledger = new OffsetLedger(deps.store, {
            syncIntervalMs: config.checkpointIntervalMs,
            onSaveError: (error) => logger.warn({ err: error, dir: config.stateDir }, 'checkpoint write failed; shipping goes on and the next write tries again'),
            onSaveRecovered: (failures) => logger.info({ dir: config.stateDir, failures }, 'checkpoint writes work again'),
        });
        // Room for the remembered tail plus a whole line at the limit, so a long line always
        // makes progress: its first piece is cut within one chunk.
        this.readCapacity = Math.max(config.readChunkBytes, TAIL_CHECK_BYTES + config.maxLineBytes + 1);
        this.anomalies = new AnomalyReporter(stats, config.maxLineBytes, logger);
        this.pool = new BufferPool(this.readCapacity, POOLED_BUFFERS);
        this.context = {
            encoder: createEncoder(config.outputFormat, config, this.pool),
            pool: this.pool,
            stats,
            maxLineBytes: config.maxLineBytes,
            batch: () => this.batch,
            recordBudget: () => config.batchMaxLines - this.batch.records,
            byteBudget: () => config.batchMaxBytes - this.batch.inputBytes,
            afterChunk: () => this.afterChunk(),
        };
    }
    health() {
        const alive = !this.failure && Date.now() - this.lastBeat < LIVENESS_STALL_MS;
        return { alive, ready: this.ready, files: this.tailers.size };
    }
    shippedByFile() {
        return this.shipped.entries();
    }
    async lagBytesByFile() {
        const lag = new Map();
        for (const tailer of [...this.tailers.values()]) {
            // A parked or undecided copy holds lines its original ships: it is not behind.
            if (tailer.undecided || this.isParkedCopy(tailer))
                continue;
            const size = await tailer.size().catch(() => 0);
            // Past the end: truncated, and the batch that starts it again is not delivered yet.
            const delivered = this.ledger.deliveredOffset(tailer.key) ?? 0;
            const behind = delivered > size ? size : size - delivered;
            const label = this.shipped.label(basename(tailer.path));
            lag.set(label, (lag.get(label) ?? 0) + behind);
        }
        return lag;
    }
    checkpointAgeSeconds() {
        return (Date.now() - (this.ledger.savedAt ?? this.startedAt)) / 1000;
    }
    checkpointWriteFailures() {
        return this.ledger.writeFailures;
    }
    filesFollowed() {
        return this.tailers.size;
    }
    /** Ends the loop: every file is read to its end, shipped and checkpointed. */
    stop() {
        this.setReady(false, 'shutting down');
        this.stopping = true;
        this.stopRequestedAt = Date.now();
        this.watcher.interrupt();
    }
    /** Gives up on deliveries still retrying (the shutdown deadline passed). */
    abort() {
        this.deps.sink.abort();
    }
    /** Runs until stop() (or, with ONCE, until every file is read); false after a failure. */
    async run() {
        await this.loadCheckpoint();
        await this.ledger.start();
        if (!this.stopping)
            this.setReady(true, 'checkpoint loaded');
        while (!this.stopping && !this.failure) {
            this.lastBeat = Date.now();
            await this.scanIfDue();
            const progressed = await this.readAll(false);
            await this.closeIdleDetached();
            this.anomalies.report();
            // Known shortcoming: with ONCE and an HTTP sink that keeps failing, this loop never ends;
            // SHUTDOWN_TIMEOUT_MS only bounds a shutdown that a signal started.
            if (this.deps.config.once && !progressed)
                break;
            if (!progressed) {
                await this.flush();
                await this.watcher.wait(this.deps.config.pollIntervalMs);
            }
        }
        return this.finish();
    }
    /** /readyz follows this; each change is logged once. */
    setReady(ready, reason) {
        if (ready === this.ready)
            return;
        this.ready = ready;
        this.deps.logger.info({ ready, reason }, ready ? 'ready' : 'not ready');
    }
    async loadCheckpoint() {
        const { store, logger } = this.deps;
        try {
            this.pendingEntries = await store.load();
        }
        catch (error) {
            if (!(error instanceof CorruptCheckpointError))
                throw error;
            const aside = await store.quarantine();
            logger.warn({ file: store.file, movedTo: aside, reason: error.reason }, 'checkpoint unreadable; moved aside, every file is read from the start');
            this.pendingEntries = [];
        }
        if (store.damage) {
            logger.warn(store.damage, 'checkpoint journal unreadable from this line on; what was delivered after it ships again');
        }
        this.ledger.seed(this.pendingEntries);
        logger.info({ file: store.file, files: this.pendingEntries.length }, 'checkpoint loaded');
    }
    async scanIfDue() {
        const due = Date.now() - this.lastScanAt >= this.deps.config.pollIntervalMs;
        if (!this.watcher.takeNamesChanged() && !due)
            return;
        await this.scan();
    }
    /** Follows new files, notices renamed ones and lets go of those no longer in the glob. */
    async scan() {
        const { config, logger } = this.deps;
        this.lastScanAt = Date.now();
        const openedBefore = this.sequence;
        const result = await scanDirectory(config.logDir, config.globPattern, !this.restored);
        if (result.kind === 'unavailable') {
            if (this.dirAvailable !== false) {
                logger.info({ dir: config.logDir, code: result.code }, 'waiting for the log directory');
            }
            this.dirAvailable = false;
            for (const tailer of this.tailers.values())
                this.detach(tailer);
            return;
        }
        if (this.dirAvailable === false)
            logger.info({ dir: config.logDir }, 'log directory found');
        this.dirAvailable = true;
        await this.watcher.ensure();
        if (!this.restored)
            await this.restore(result.files);
        const files = result.files.filter((file) => file.matchesGlob);
        const seen = new Set();
        for (const file of files) {
            seen.add(file.key); this.deps.logger.debug({name: file.name, key: file.key, known: this.tailers.has(file.key), early: this.early.has(file.key)}, 'DBG scan');
            const known = this.tailers.get(file.key);
            if (known)
                this.reattach(known, file);
            else
                await this.follow(file);
        }
        for (const tailer of this.tailers.values()) {
            if (!seen.has(tailer.key))
                this.detach(tailer);
        }
        await this.adoptEarly(openedBefore);
        for (const tailer of [...this.tailers.values()]) {
            if (tailer.undecided)
                await this.decide(tailer);
        }
    }
    async restore(files) {
        const restored = await restoreTailers({
            files,
            entries: this.pendingEntries,
            readCapacity: this.readCapacity,
            stats: this.deps.stats,
            logger: this.deps.logger,
        });
        // Files found rotated while the shipper was down hold the older lines.
        restored.sort((a, b) => Number(a.attached) - Number(b.attached));
        for (const tailer of restored) {
            tailer.order = this.sequence++;
            this.tailers.set(tailer.key, tailer);
        }
        this.ledger.reset(restored.map((tailer) => tailer.mark()));
        this.deps.stats.filesOpened += restored.length;
        this.pendingEntries = [];
        this.restored = true;
    }
    reattach(tailer, file) {
        if (tailer.path !== file.path) {
            this.deps.logger.info({ file: tailer.path, renamedTo: file.path }, 'file renamed');
            tailer.path = file.path;
        }
        tailer.attached = true;
    }
    detach(tailer) {
        if (!tailer.attached)
            return;
        tailer.attached = false;
        tailer.detachedAt = Date.now();
        this.deps.logger.info({ file: tailer.path, graceMs: this.deps.config.rotateGraceMs }, 'file rotated or removed; reading it until it stays idle');
    }
    /**
     * Starts a file found by a scan: from 0, unless it is a copy of a file already followed (then
     * it is parked, see Tailer.copyOf). A file that so far holds only the first bytes of a followed
     * file may be a copy still being written (logrotate copies, then truncates): it stays
     * undecided, its descriptor open but unread, until a later scan recognises it, sees it differ,
     * or sees it idle for ROTATE_GRACE_MS. Waiting costs nothing: its bytes are read from 0 then.
     */
    async follow(file) {
        const early = this.early.get(file.key);
        this.early.delete(file.key);
        const handle = early?.handle ?? (await OpenFile.open(file.path).catch(() => undefined));
        if (!handle)
            return;
        const key = fileKey(await handle.stat({ bigint: true }));
        if (this.tailers.has(key)) {
            await handle.close();
            return;
        }
        const start = { offset: 0, tail: Buffer.alloc(0), head: EMPTY_FINGERPRINT };
        const tailer = new Tailer(handle, key, file.path, start, this.readCapacity);
        tailer.order = early?.seq ?? this.sequence++;
        this.tailers.set(key, tailer);
        this.deps.stats.filesOpened++;
        tailer.undecided = { size: -1, since: Date.now() };
        await this.decide(tailer);
    }
    /**
     * Settles whether an undecided file is a copy of a followed file.
     * Known shortcoming: a copy that stalls for ROTATE_GRACE_MS while still shorter than the
     * original's offset is taken for a new file and its lines are shipped again.
     */
    async decide(tailer) {
        const undecided = tailer.undecided;
        const size = Number((await tailer.file.stat()).size);
        let maybeCopy = false;
        for (const other of this.tailers.values()) {
            const point = savedPoint(other.resumePoint());
            if (other === tailer || point.offset === 0)
                continue;
            if (size < point.offset) {
                maybeCopy ||= await isPrefixOf(tailer.file, size, other.file);
                continue;
            }
            if (!(await continuesFrom(tailer.file, size, point)))
                continue;
            tailer.undecided = undefined;
            tailer.copyOf = other.key;
            tailer.startAt(await resumeAt(tailer.file, point));
            this.deps.logger.info({ file: tailer.path, copyOf: other.path, offset: point.offset }, 'new file is a copy of a followed file; it is read once that file is truncated or gone');
            return;
        }
        const now = Date.now();
        if (size !== undecided.size)
            tailer.undecided = { size, since: now };
        const waiting = now - (tailer.undecided?.since ?? now) < this.deps.config.rotateGraceMs;
        if (maybeCopy && tailer.attached && waiting)
            return;
        tailer.undecided = undefined;
        this.deps.logger.info({ file: tailer.path, offset: tailer.position }, 'following file'); this.deps.logger.debug({key: tailer.key, order: tailer.order, attached: tailer.attached}, 'DBG follow');
    }
    /**
     * Opens a new file the moment inotify names it, synchronously, before any other work can
     * run. A scan may come tens of milliseconds later when the shipper is busy, and a file
     * created and renamed away in between (a fast rotation) would otherwise never be read:
     * holding its descriptor keeps it, whatever its name becomes.
     */
    openEarly(name) {
        if (this.early.size >= MAX_EARLY_FILES || this.stopping)
            return;
        const handle = OpenFile.openSync(join(this.deps.config.logDir, name));
        if (!handle)
            return;
        const info = handle.statSync();
        const key = fileKey(info); this.deps.logger.debug({name, key, size: Number(info.size), seq: this.sequence, inT: this.tailers.has(key), inE: this.early.has(key)}, 'DBG early');
        if (!info.isFile() || this.tailers.has(key) || this.early.has(key)) {
            handle.closeSync();
            return;
        }
        this.early.set(key, {
            handle,
            path: join(this.deps.config.logDir, name),
            seq: this.sequence++,
        });
    }
    /**
     * Early-opened files this scan did not find under a matching name although they were opened
     * before it listed the directory: created and then rotated or deleted between two scans.
     * They are read like rotated files, in the order they appeared. Files opened while the scan
     * ran may simply be newer than its listing and wait for the next scan.
     */
    async adoptEarly(openedBefore) {
        for (const [key, early] of [...this.early]) {
            if (early.seq >= openedBefore)
                continue;
            this.early.delete(key);
            if (this.tailers.has(key)) {
                await early.handle.close();
                continue;
            }
            const start = { offset: 0, tail: Buffer.alloc(0), head: EMPTY_FINGERPRINT };
            const tailer = new Tailer(early.handle, key, early.path, start, this.readCapacity);
            tailer.order = early.seq;
            tailer.attached = false;
            tailer.detachedAt = Date.now();
            tailer.undecided = { size: -1, since: Date.now() };
            this.tailers.set(key, tailer);
            this.deps.stats.filesOpened++;
            this.deps.logger.info({ file: early.path, graceMs: this.deps.config.rotateGraceMs }, 'file was created and rotated or removed between two scans; reading it all the same'); this.deps.logger.debug({key}, 'DBG adopt');
        }
    }
    /**
     * One turn for every file, oldest first: a rotated file's lines come before those of the
     * file that replaced it. True if anything was read.
     */
    async readAll(untilIdle, deadline = Number.POSITIVE_INFINITY) {
        let progressed = false;
        for (;;) {
            let round = false;
            const order = [...this.tailers.values()].sort((a, b) => a.order - b.order);
            for (const tailer of order) {
                if (this.failure)
                    return progressed;
                // A file created and renamed away between two scans would never be seen: when inotify
                // reports a new name, look at once instead of after a round over every file.
                await this.scanIfDue();
                if (this.tailers.get(tailer.key) !== tailer || this.isParkedCopy(tailer))
                    continue;
                if (tailer.undecided)
                    continue;
                if (await this.readTailer(tailer))
                    round = true;
            }
            progressed ||= round;
            if (!untilIdle || !round || Date.now() > deadline)
                return progressed;
        }
    }
    async readTailer(tailer, final = false) {
        const budget = CHUNKS_PER_TURN * this.readCapacity;
        try {
            let outcome = await tailer.read(this.context, budget, final);
            if (outcome.kind === 'replaced') {
                await this.onReplaced(tailer, outcome);
                outcome = await tailer.read(this.context, budget, final);
            }
            return outcome.kind !== 'idle';
        }
        catch (error) {
            this.anomalies.readFailed(tailer.path, error);
            return false;
        }
    }
    /**
     * The content before our offset is gone. With copytruncate the old content now sits in a
     * copy: the part of it not yet read is shipped from there first. Then the file is read again
     * from byte 0; NULs a non-appending writer leaves at the start are skipped by the splitter.
     */
    async onReplaced(tailer, outcome) {
        const { logger, stats } = this.deps;
        const point = savedPoint(tailer.resumePoint());
        stats.truncations++;
        const followed = await this.releaseCopies(tailer);
        const copy = point.offset > 0 && followed === 0 ? await this.findCopy(point) : undefined;
        if (followed > 0) {
            logger.info({ file: tailer.path, offset: point.offset }, 'file was truncated after being copied; shipped the rest from its followed copy');
        }
        else if (copy) {
            const recovered = await this.drainCopy(tailer, copy, point);
            stats.recoveredFromCopyBytes += recovered;
            logger.info({
                file: tailer.path,
                copy: copy.file.path,
                offset: point.offset,
                recoveredBytes: recovered,
            }, 'file was truncated after being copied; shipped the rest from the copy');
        }
        else {
            // Known shortcoming: lines appended and overwritten between two reads were never seen, so
            // they cannot be counted; only the overwrite is (truncations) and warned about.
            stats.unreadBytesLost += outcome.unreadBytes;
            logger.warn({
                file: tailer.path,
                offset: point.offset,
                size: outcome.size,
                unreadBytes: outcome.unreadBytes,
                truncations: stats.truncations,
            }, 'file truncated or overwritten in place and no copy found; reading it again from the ' +
                'start. Lines written after the last read and before the truncation are lost');
        }
        tailer.restart();
        this.batch.mark(tailer.mark());
    }
    isParkedCopy(tailer) {
        return tailer.copyOf !== undefined && this.tailers.has(tailer.copyOf);
    }
    /**
     * The original of followed copies was truncated or is let go: each copy continues from where
     * the original's reading stopped and is read to its end now, before the original's new
     * content. Returns how many copies there were.
     */
    async releaseCopies(original) {
        const point = savedPoint(original.resumePoint());
        const copies = [...this.tailers.values()].filter((other) => other.copyOf === original.key);
        for (const copy of copies) {
            copy.copyOf = undefined;
            const from = await copy.continueCopy(point);
            this.deps.logger.info({ file: copy.path, copyOf: original.path, offset: from }, 'reading the copy on from where its original stopped');
            while ((await copy.read(this.context, Number.MAX_SAFE_INTEGER)).kind === 'read')
                ;
        }
        return copies.length;
    }
    async findCopy(point) {
        const { config } = this.deps;
        const result = await scanDirectory(config.logDir, config.globPattern, true);
        if (result.kind === 'unavailable')
            return undefined;
        return findContinuation(result.files, point, new Set(this.tailers.keys()));
    }
    /** Reads the copy from `point` to its end now, so its lines ship before the new content. */
    async drainCopy(tailer, copy, point) {
        const resume = await resumeAt(copy.handle, point);
        const drain = new Tailer(copy.handle, copy.file.key, tailer.path, resume, this.readCapacity);
        drain.order = this.sequence++;
        this.tailers.set(drain.key, drain);
        this.deps.stats.filesOpened++;
        if (!copy.file.matchesGlob) {
            drain.attached = false;
            drain.detachedAt = Date.now();
        }
        while ((await drain.read(this.context, Number.MAX_SAFE_INTEGER)).kind === 'read')
            ;
        return drain.position - point.offset;
    }
    /**
     * Lets go of rotated files that stayed idle for ROTATE_GRACE_MS.
     * Known shortcoming: a writer that appends to the rotated file after that (it never reopened
     * its log) is not followed any more; those lines are not shipped.
     */
    async closeIdleDetached() {
        const grace = this.deps.config.rotateGraceMs;
        const now = Date.now();
        for (const tailer of [...this.tailers.values()]) {
            if (tailer.attached)
                continue;
            if (now - tailer.detachedAt < grace || now - tailer.lastGrowthAt < grace)
                continue;
            // The writer has moved on: an unterminated last line will never be completed. A parked
            // copy holds nothing its original did not ship, so it is not read.
            if (!this.isParkedCopy(tailer))
                await this.readTailer(tailer, true);
            await this.releaseCopies(tailer);
            this.batch.mark({ key: tailer.key, removed: true });
            this.tailers.delete(tailer.key);
            await tailer.close().catch(() => undefined);
            this.deps.stats.filesClosed++;
            this.deps.logger.info({ file: tailer.path, offset: tailer.position }, 'finished rotated file'); this.deps.logger.debug({key: tailer.key, offset: tailer.position, size: tailer.lastStatSize}, 'DBG finish');
        }
    }
    async afterChunk() {
        const { config } = this.deps;
        const batch = this.batch;
        this.lastBeat = Date.now();
        const full = batch.records >= config.batchMaxLines || batch.inputBytes >= config.batchMaxBytes;
        const old = batch.records > 0 && Date.now() - batch.createdAt >= config.batchMaxWaitMs;
        if (full || old)
            await this.flush();
    }
    /**
     * Hands the current batch to the sink once the previous batch is delivered and its positions
     * are journaled: at most one batch is ever out without a checkpoint behind it, so a kill -9
     * repeats at most that batch. The next batch is read meanwhile.
     */
    async flush() {
        if (this.batch.isEmpty || this.failure)
            return;
        const batch = this.batch;
        this.batch = new Batch();
        const { stats } = this.deps;
        stats.recordsRead += batch.records;
        stats.bytesRead += batch.inputBytes;
        try {
            await this.waitForSink();
        }
        catch (error) {
            this.fail(error);
            return;
        }
        if (this.failure)
            return;
        this.deliveries = this.deliver(batch);
    }
    /** Sends one batch and journals its positions; never rejects (a failure ends the loop). */
    async deliver(batch) {
        const { sink, stats } = this.deps;
        let result;
        try {
            result = await sink.send(batch);
        }
        catch (error) {
            this.fail(error);
            return;
        }
        if (result === 'delivered') {
            stats.recordsDelivered += batch.records;
            stats.batchesDelivered++;
            this.shipped.add(batch.files);
        }
        this.ledger.delivered(batch);
        this.pool.release(batch.retained);
    }
    /**
     * The previous delivery and its journal line, then sink.ready(), beating the liveness clock
     * while a slow sink holds reading back.
     */
    async waitForSink() {
        const ready = Promise.all([this.deliveries, this.deps.sink.ready()]);
        let settled = false;
        const done = ready.finally(() => (settled = true));
        while (!settled) {
            this.lastBeat = Date.now();
            await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
        }
        await done;
    }
    fail(error) {
        if (this.failure)
            return;
        this.failure = error;
        if (error instanceof SinkAbortedError)
            return;
        this.deps.logger.error({ err: error }, 'sink failed; stopping without saving undelivered lines');
    }
    /** Reads every file to its end, ships it, and saves the checkpoint. */
    async finish() {
        const { logger, stats } = this.deps;
        this.setReady(false, this.failure ? 'sink failed' : 'finishing');
        if (!this.failure) {
            // A writer still writing must not hold shutdown: half the deadline goes to reading, the
            // rest is left for delivery and the checkpoint.
            const readUntil = (this.stopRequestedAt || Date.now()) + this.deps.config.shutdownTimeoutMs / 2;
            await this.scan();
            await this.readAll(true, readUntil);
            await this.flush();
            await this.deliveries;
        }
        await this.ledger.flush().catch((error) => {
            logger.error({ err: error, dir: this.deps.config.stateDir }, 'final checkpoint write failed');
            this.failure ??= error;
        });
        for (const tailer of this.tailers.values())
            await tailer.close().catch(() => undefined);
        for (const early of this.early.values())
            await early.handle.close().catch(() => undefined);
        this.watcher.close();
        this.anomalies.report(true);
        logger.info({ ...stats, openFiles: this.tailers.size }, 'shipper stopped');
        return !this.failure;
    }
}
//# sourceMappingURL=shipper.js.map