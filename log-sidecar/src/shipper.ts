import { basename, join } from 'node:path';
import type { Logger } from 'pino';

import { AnomalyReporter } from './anomaly-reporter.js';
import { Batch, type FileCount } from './batch.js';
import { BufferPool } from './buffer-pool.js';
import {
  CorruptCheckpointError,
  type CheckpointEntry,
  type CheckpointStore,
} from './checkpoint-store.js';
import { restoreTailers } from './checkpoint-restore.js';
import type { LogSidecarConfig } from './config.js';
import {
  continuesFrom,
  findContinuation,
  isPrefixOf,
  resumeAt,
  savedPoint,
} from './continuation.js';
import { DirectoryWatcher } from './dir-watcher.js';
import { scanDirectory, type FoundFile } from './dir-scanner.js';
import { createEncoder } from './encoders.js';
import { EMPTY_FINGERPRINT, TAIL_CHECK_BYTES, fileKey } from './file-identity.js';
import { OffsetLedger } from './offset-ledger.js';
import { OpenFile } from './open-file.js';
import { ShippedByFile } from './shipped-by-file.js';
import { SinkAbortedError, type DeliveryResult, type Sink } from './sinks/sink.js';
import type { ShipperStats } from './stats.js';
import { Tailer, type ReadContext, type ReadOutcome } from './tailer.js';

/** /healthz fails when the loop has not come round for this long. */
const LIVENESS_STALL_MS = 60_000;

/** Read and output buffers kept for reuse; more are allocated while batches are in flight. */
const POOLED_BUFFERS = 16;

/** Files opened on an inotify event and waiting for the next scan; more are left to the scan. */
const MAX_EARLY_FILES = 256;

/** A file opened when inotify named it; `rotated` when the name was a rotated one. */
interface EarlyFile {
  handle: OpenFile;
  path: string;
  seq: number;
  rotated: boolean;
}

/**
 * `web.log.1` for the glob `*.log`: the name outside the glob that a rename rotation (web's own,
 * logrotate's numbered scheme) gives a followed file. Only `.1`: higher numbers are files that
 * were at `.1` before, already followed and perhaps finished, and must not be read again.
 */
function rotatedFrom(name: string, glob: RegExp): string | undefined {
  const match = /^(.+)\.1$/.exec(name);
  return match && glob.test(match[1] as string) ? match[1] : undefined;
}

/** Chunks one file may read per round before the next file gets its turn. */
const CHUNKS_PER_TURN = 4;

export interface ShipperDeps {
  config: LogSidecarConfig;
  logger: Logger;
  sink: Sink;
  store: CheckpointStore;
  stats: ShipperStats;
}

export interface ShipperHealth {
  alive: boolean;
  ready: boolean;
  files: number;
}

/** What the metrics read from the shipper at scrape time. */
export interface ShipperGauges {
  /** Lines and bytes the sink accepted, per file label. */
  shippedByFile(): Iterable<[string, FileCount]>;
  /** Bytes the sink has not accepted yet, per file label (files of one label summed). */
  lagBytesByFile(): Promise<Map<string, number>>;
  /** Seconds since the checkpoint was last written (since start, before the first write). */
  checkpointAgeSeconds(): number;
  checkpointWriteFailures(): number;
  filesFollowed(): number;
}

/**
 * The loop: find files, read what was appended, batch records, hand batches to the sink in
 * order, and record each file's position once the sink has the records before it.
 */
export class Shipper implements ShipperGauges {
  // Known shortcoming: every followed file keeps a descriptor open, so a directory of thousands
  // of matching files needs RLIMIT_NOFILE raised to match.
  private readonly tailers = new Map<string, Tailer>();
  private readonly watcher: DirectoryWatcher;
  private readonly ledger: OffsetLedger;
  private readonly context: ReadContext;
  private readonly readCapacity: number;
  private readonly anomalies: AnomalyReporter;
  private readonly pool: BufferPool;
  private readonly shipped = new ShippedByFile();
  private readonly startedAt = Date.now();
  private batch = new Batch();
  /** Loaded at start; matched to files once LOG_DIR can be listed. */
  private pendingEntries: CheckpointEntry[] = [];
  /** Files opened the moment inotify reported their name, not yet taken over by a scan. */
  private readonly early = new Map<string, EarlyFile>();
  /** Counts files in the order they appeared; reading goes oldest first. */
  private sequence = 0;
  private deliveries: Promise<void> = Promise.resolve();
  private restored = false;
  private dirAvailable: boolean | undefined;
  private lastScanAt = 0;
  private lastBeat = Date.now();
  private ready = false;
  private stopping = false;
  private stopRequestedAt = 0;
  private failure: Error | undefined;

  constructor(private readonly deps: ShipperDeps) {
    const { config, logger, stats } = deps;
    this.watcher = new DirectoryWatcher(config.logDir, (name) => {
      if (config.globPattern.test(name)) this.openEarly(name);
      else if (rotatedFrom(name, config.globPattern)) this.openEarly(name, true);
    });
    this.ledger = new OffsetLedger(deps.store, {
      syncIntervalMs: config.checkpointIntervalMs,
      onSaveError: (error) =>
        logger.warn(
          { err: error, dir: config.stateDir },
          'checkpoint write failed; shipping goes on and the next write tries again',
        ),
      onSaveRecovered: (failures) =>
        logger.info({ dir: config.stateDir, failures }, 'checkpoint writes work again'),
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

  health(): ShipperHealth {
    const alive = !this.failure && Date.now() - this.lastBeat < LIVENESS_STALL_MS;
    return { alive, ready: this.ready, files: this.tailers.size };
  }

  shippedByFile(): Iterable<[string, FileCount]> {
    return this.shipped.entries();
  }

  async lagBytesByFile(): Promise<Map<string, number>> {
    const lag = new Map<string, number>();
    for (const tailer of [...this.tailers.values()]) {
      // A parked or undecided copy holds lines its original ships: it is not behind.
      if (tailer.undecided || this.isParkedCopy(tailer)) continue;
      const size = await tailer.size().catch(() => 0);
      // Past the end: truncated, and the batch that starts it again is not delivered yet.
      const delivered = this.ledger.deliveredOffset(tailer.key) ?? 0;
      const behind = delivered > size ? size : size - delivered;
      const label = this.shipped.label(basename(tailer.path));
      lag.set(label, (lag.get(label) ?? 0) + behind);
    }
    return lag;
  }

  checkpointAgeSeconds(): number {
    return (Date.now() - (this.ledger.savedAt ?? this.startedAt)) / 1000;
  }

  checkpointWriteFailures(): number {
    return this.ledger.writeFailures;
  }

  filesFollowed(): number {
    return this.tailers.size;
  }

  /** Ends the loop: every file is read to its end, shipped and checkpointed. */
  stop(): void {
    this.setReady(false, 'shutting down');
    this.stopping = true;
    this.stopRequestedAt = Date.now();
    this.watcher.interrupt();
  }

  /** Gives up on deliveries still retrying (the shutdown deadline passed). */
  abort(): void {
    this.deps.sink.abort();
  }

  /** Runs until stop() (or, with ONCE, until every file is read); false after a failure. */
  async run(): Promise<boolean> {
    await this.loadCheckpoint();
    await this.ledger.start();
    if (!this.stopping) this.setReady(true, 'checkpoint loaded');

    while (!this.stopping && !this.failure) {
      this.lastBeat = Date.now();
      await this.scanIfDue();
      const progressed = await this.readAll(false);
      await this.closeIdleDetached();
      this.anomalies.report();
      // Known shortcoming: with ONCE and an HTTP sink that keeps failing, this loop never ends;
      // SHUTDOWN_TIMEOUT_MS only bounds a shutdown that a signal started.
      if (this.deps.config.once && !progressed) break;

      if (!progressed) {
        await this.flush();
        await this.watcher.wait(this.deps.config.pollIntervalMs);
      }
    }

    return this.finish();
  }

  /** /readyz follows this; each change is logged once. */
  private setReady(ready: boolean, reason: string): void {
    if (ready === this.ready) return;
    this.ready = ready;
    this.deps.logger.info({ ready, reason }, ready ? 'ready' : 'not ready');
  }

  private async loadCheckpoint(): Promise<void> {
    const { store, logger } = this.deps;
    try {
      this.pendingEntries = await store.load();
    } catch (error) {
      if (!(error instanceof CorruptCheckpointError)) throw error;
      const aside = await store.quarantine();
      logger.warn(
        { file: store.file, movedTo: aside, reason: error.reason },
        'checkpoint unreadable; moved aside, every file is read from the start',
      );
      this.pendingEntries = [];
    }
    if (store.damage) {
      logger.warn(
        store.damage,
        'checkpoint journal unreadable from this line on; what was delivered after it ships again',
      );
    }
    this.ledger.seed(this.pendingEntries);
    logger.info({ file: store.file, files: this.pendingEntries.length }, 'checkpoint loaded');
  }

  private async scanIfDue(): Promise<void> {
    const due = Date.now() - this.lastScanAt >= this.deps.config.pollIntervalMs;
    if (!this.watcher.takeNamesChanged() && !due) return;
    await this.scan();
  }

  /** Follows new files, notices renamed ones and lets go of those no longer in the glob. */
  private async scan(): Promise<void> {
    const { config, logger } = this.deps;
    this.lastScanAt = Date.now();
    const openedBefore = this.sequence;
    const result = await scanDirectory(config.logDir, config.globPattern, !this.restored);

    if (result.kind === 'unavailable') {
      if (this.dirAvailable !== false) {
        logger.info({ dir: config.logDir, code: result.code }, 'waiting for the log directory');
      }
      this.dirAvailable = false;
      for (const tailer of this.tailers.values()) this.detach(tailer);
      return;
    }
    if (this.dirAvailable === false) logger.info({ dir: config.logDir }, 'log directory found');
    this.dirAvailable = true;
    await this.watcher.ensure();

    if (!this.restored) await this.restore(result.files);
    const files = result.files.filter((file) => file.matchesGlob);
    const seen = new Set<string>();
    for (const file of files) {
      seen.add(file.key);
      const known = this.tailers.get(file.key);
      if (known) this.reattach(known, file);
      else await this.follow(file);
    }
    for (const tailer of this.tailers.values()) {
      if (!seen.has(tailer.key)) this.detach(tailer);
    }
    await this.adoptEarly(openedBefore);
    for (const tailer of [...this.tailers.values()]) {
      if (tailer.undecided) await this.decide(tailer);
    }
  }

  private async restore(files: FoundFile[]): Promise<void> {
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

  private reattach(tailer: Tailer, file: FoundFile): void {
    if (tailer.path !== file.path) {
      this.deps.logger.info({ file: tailer.path, renamedTo: file.path }, 'file renamed');
      tailer.path = file.path;
    }
    tailer.attached = true;
  }

  private detach(tailer: Tailer): void {
    if (!tailer.attached) return;
    tailer.attached = false;
    tailer.detachedAt = Date.now();
    this.deps.logger.info(
      { file: tailer.path, graceMs: this.deps.config.rotateGraceMs },
      'file rotated or removed; reading it until it stays idle',
    );
  }

  /**
   * Starts a file found by a scan: from 0, unless it is a copy of a file already followed (then
   * it is parked, see Tailer.copyOf). A file that so far holds only the first bytes of a followed
   * file may be a copy still being written (logrotate copies, then truncates): it stays
   * undecided, its descriptor open but unread, until a later scan recognises it, sees it differ,
   * or sees it idle for ROTATE_GRACE_MS. Waiting costs nothing: its bytes are read from 0 then.
   */
  private async follow(file: FoundFile): Promise<void> {
    const early = this.early.get(file.key);
    this.early.delete(file.key);
    const handle = early?.handle ?? (await OpenFile.open(file.path).catch(() => undefined));
    if (!handle) return;

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
  private async decide(tailer: Tailer): Promise<void> {
    const undecided = tailer.undecided as { size: number; since: number };
    const size = Number((await tailer.file.stat()).size);
    let maybeCopy = false;

    for (const other of this.tailers.values()) {
      const point = savedPoint(other.resumePoint());
      if (other === tailer || point.offset === 0) continue;
      if (size < point.offset) {
        maybeCopy ||= await isPrefixOf(tailer.file, size, other.file);
        continue;
      }
      if (!(await continuesFrom(tailer.file, size, point))) continue;

      tailer.undecided = undefined;
      tailer.copyOf = other.key;
      tailer.startAt(await resumeAt(tailer.file, point));
      this.deps.logger.info(
        { file: tailer.path, copyOf: other.path, offset: point.offset },
        'new file is a copy of a followed file; it is read once that file is truncated or gone',
      );
      return;
    }

    const now = Date.now();
    if (size !== undecided.size) tailer.undecided = { size, since: now };
    const waiting = now - (tailer.undecided?.since ?? now) < this.deps.config.rotateGraceMs;
    if (maybeCopy && tailer.attached && waiting) return;

    tailer.undecided = undefined;
    this.deps.logger.info({ file: tailer.path, offset: tailer.position }, 'following file');
  }

  /**
   * Opens a new file the moment inotify names it, synchronously, before any other work can
   * run. A scan may come tens of milliseconds later when the shipper is busy, and a file
   * created and renamed away in between (a fast rotation) would otherwise never be read:
   * holding its descriptor keeps it, whatever its name becomes.
   */
  private openEarly(name: string, rotated = false): void {
    if (this.early.size >= MAX_EARLY_FILES || this.stopping) return;
    const handle = OpenFile.openSync(join(this.deps.config.logDir, name));
    if (!handle) return;

    const info = handle.statSync();
    const key = fileKey(info);
    if (!info.isFile() || this.tailers.has(key) || this.early.has(key)) {
      handle.closeSync();
      return;
    }
    // A rotated file keeps the name it was written under, as files followed through a rename do.
    const followedName = rotated ? rotatedFrom(name, this.deps.config.globPattern) : name;
    this.early.set(key, {
      handle,
      path: join(this.deps.config.logDir, followedName ?? name),
      seq: this.sequence++,
      rotated,
    });
  }

  /**
   * A file that arrived under a rotated name (`web.log.1`) and that no followed file is: when
   * rotations come faster than the event loop handles inotify events, the event for its
   * creation is handled after it was renamed, and opening its old name then opens the next
   * file. It is held here and read like a rotated file, unless it is a copy of a followed file
   * (copytruncate): those are left to the copy handling when the original is truncated.
   */
  private async isCopyOfFollowed(handle: OpenFile): Promise<boolean> {
    const size = Number((await handle.stat()).size);
    for (const other of this.tailers.values()) {
      const point = savedPoint(other.resumePoint());
      if (point.offset > 0 && (await continuesFrom(handle, size, point))) return true;
      if (await isPrefixOf(handle, size, other.file)) return true;
    }
    return false;
  }

  /**
   * Early-opened files this scan did not find under a matching name although they were opened
   * before it listed the directory: created and then rotated or deleted between two scans.
   * They are read like rotated files, in the order they appeared. Files opened while the scan
   * ran may simply be newer than its listing and wait for the next scan.
   */
  private async adoptEarly(openedBefore: number): Promise<void> {
    for (const [key, early] of [...this.early]) {
      // A file under a rotated name is never found by a scan: it is taken now, before the file
      // that has its old name is read.
      if (early.seq >= openedBefore && !early.rotated) continue;
      this.early.delete(key);
      if (this.tailers.has(key) || (early.rotated && (await this.isCopyOfFollowed(early.handle)))) {
        await early.handle.close();
        continue;
      }

      const start = { offset: 0, tail: Buffer.alloc(0), head: EMPTY_FINGERPRINT };
      const tailer = new Tailer(early.handle, key, early.path, start, this.readCapacity);
      tailer.order = early.rotated ? this.rotatedOrder(early) : early.seq;
      tailer.attached = false;
      tailer.detachedAt = Date.now();
      tailer.undecided = { size: -1, since: Date.now() };
      this.tailers.set(key, tailer);
      this.deps.stats.filesOpened++;
      if (early.rotated) {
        this.deps.stats.filesFoundRotated++;
        this.deps.logger.info(
          {
            file: early.path,
            rotatedTo: `${early.path}.1`,
            filesFoundRotated: this.deps.stats.filesFoundRotated,
          },
          'file was rotated before it was seen under its name; reading it all the same',
        );
        continue;
      }
      this.deps.logger.info(
        { file: early.path, graceMs: this.deps.config.rotateGraceMs },
        'file was created and rotated or removed between two scans; reading it all the same',
      );
    }
  }

  /** A rotated file is older than the file that now has its name: it is read before it. */
  private rotatedOrder(early: EarlyFile): number {
    let order = early.seq;
    for (const other of this.tailers.values()) {
      if (other.attached && other.path === early.path) order = Math.min(order, other.order - 0.5);
    }
    return order;
  }

  /**
   * One turn for every file, oldest first: a rotated file's lines come before those of the
   * file that replaced it. True if anything was read.
   */
  private async readAll(untilIdle: boolean, deadline = Number.POSITIVE_INFINITY): Promise<boolean> {
    let progressed = false;
    for (;;) {
      let round = false;
      const order = [...this.tailers.values()].sort((a, b) => a.order - b.order);
      for (const tailer of order) {
        if (this.failure) return progressed;
        // A file created and renamed away between two scans would never be seen: when inotify
        // reports a new name, look at once instead of after a round over every file.
        await this.scanIfDue();
        if (this.tailers.get(tailer.key) !== tailer || this.isParkedCopy(tailer)) continue;
        if (tailer.undecided) continue;
        if (await this.readTailer(tailer)) round = true;
      }
      progressed ||= round;
      if (!untilIdle || !round || Date.now() > deadline) return progressed;
    }
  }

  private async readTailer(tailer: Tailer, final = false): Promise<boolean> {
    const budget = CHUNKS_PER_TURN * this.readCapacity;
    try {
      let outcome = await tailer.read(this.context, budget, final);
      if (outcome.kind === 'replaced') {
        await this.onReplaced(tailer, outcome);
        outcome = await tailer.read(this.context, budget, final);
      }
      return outcome.kind !== 'idle';
    } catch (error) {
      this.anomalies.readFailed(tailer.path, error as Error);
      return false;
    }
  }

  /**
   * The content before our offset is gone. With copytruncate the old content now sits in a
   * copy: the part of it not yet read is shipped from there first. Then the file is read again
   * from byte 0; NULs a non-appending writer leaves at the start are skipped by the splitter.
   */
  private async onReplaced(
    tailer: Tailer,
    outcome: Extract<ReadOutcome, { kind: 'replaced' }>,
  ): Promise<void> {
    const { logger, stats } = this.deps;
    const point = savedPoint(tailer.resumePoint());
    stats.truncations++;

    const followed = await this.releaseCopies(tailer);
    const copy = point.offset > 0 && followed === 0 ? await this.findCopy(point) : undefined;
    if (followed > 0) {
      logger.info(
        { file: tailer.path, offset: point.offset },
        'file was truncated after being copied; shipped the rest from its followed copy',
      );
    } else if (copy) {
      const recovered = await this.drainCopy(tailer, copy, point);
      stats.recoveredFromCopyBytes += recovered;
      logger.info(
        {
          file: tailer.path,
          copy: copy.file.path,
          offset: point.offset,
          recoveredBytes: recovered,
        },
        'file was truncated after being copied; shipped the rest from the copy',
      );
    } else {
      // Known shortcoming: lines appended and overwritten between two reads were never seen, so
      // they cannot be counted; only the overwrite is (truncations) and warned about.
      stats.unreadBytesLost += outcome.unreadBytes;
      logger.warn(
        {
          file: tailer.path,
          offset: point.offset,
          size: outcome.size,
          unreadBytes: outcome.unreadBytes,
          truncations: stats.truncations,
        },
        'file truncated or overwritten in place and no copy found; reading it again from the ' +
          'start. Lines written after the last read and before the truncation are lost',
      );
    }

    tailer.restart();
    this.batch.mark(tailer.mark());
  }

  private isParkedCopy(tailer: Tailer): boolean {
    return tailer.copyOf !== undefined && this.tailers.has(tailer.copyOf);
  }

  /**
   * The original of followed copies was truncated or is let go: each copy continues from where
   * the original's reading stopped and is read to its end now, before the original's new
   * content. Returns how many copies there were.
   */
  private async releaseCopies(original: Tailer): Promise<number> {
    const point = savedPoint(original.resumePoint());
    const copies = [...this.tailers.values()].filter((other) => other.copyOf === original.key);
    for (const copy of copies) {
      copy.copyOf = undefined;
      const from = await copy.continueCopy(point);
      this.deps.logger.info(
        { file: copy.path, copyOf: original.path, offset: from },
        'reading the copy on from where its original stopped',
      );
      while ((await copy.read(this.context, Number.MAX_SAFE_INTEGER)).kind === 'read');
    }
    return copies.length;
  }

  private async findCopy(point: ReturnType<typeof savedPoint>) {
    const { config } = this.deps;
    const result = await scanDirectory(config.logDir, config.globPattern, true);
    if (result.kind === 'unavailable') return undefined;
    return findContinuation(result.files, point, new Set(this.tailers.keys()));
  }

  /** Reads the copy from `point` to its end now, so its lines ship before the new content. */
  private async drainCopy(
    tailer: Tailer,
    copy: NonNullable<Awaited<ReturnType<Shipper['findCopy']>>>,
    point: ReturnType<typeof savedPoint>,
  ): Promise<number> {
    const resume = await resumeAt(copy.handle, point);
    const drain = new Tailer(copy.handle, copy.file.key, tailer.path, resume, this.readCapacity);
    drain.order = this.sequence++;
    this.tailers.set(drain.key, drain);
    this.deps.stats.filesOpened++;
    if (!copy.file.matchesGlob) {
      drain.attached = false;
      drain.detachedAt = Date.now();
    }

    while ((await drain.read(this.context, Number.MAX_SAFE_INTEGER)).kind === 'read');
    return drain.position - point.offset;
  }

  /**
   * Lets go of rotated files that stayed idle for ROTATE_GRACE_MS.
   * Known shortcoming: a writer that appends to the rotated file after that (it never reopened
   * its log) is not followed any more; those lines are not shipped.
   */
  private async closeIdleDetached(): Promise<void> {
    const grace = this.deps.config.rotateGraceMs;
    const now = Date.now();
    for (const tailer of [...this.tailers.values()]) {
      if (tailer.attached) continue;
      if (now - tailer.detachedAt < grace || now - tailer.lastGrowthAt < grace) continue;

      // The writer has moved on: an unterminated last line will never be completed. A parked
      // copy holds nothing its original did not ship, so it is not read.
      if (!this.isParkedCopy(tailer)) await this.readTailer(tailer, true);
      await this.releaseCopies(tailer);
      this.batch.mark({ key: tailer.key, removed: true });
      this.tailers.delete(tailer.key);
      await tailer.close().catch(() => undefined);
      this.deps.stats.filesClosed++;
      this.deps.logger.info(
        { file: tailer.path, offset: tailer.position },
        'finished rotated file',
      );
    }
  }

  private async afterChunk(): Promise<void> {
    const { config } = this.deps;
    const batch = this.batch;
    this.lastBeat = Date.now();
    const full = batch.records >= config.batchMaxLines || batch.inputBytes >= config.batchMaxBytes;
    const old = batch.records > 0 && Date.now() - batch.createdAt >= config.batchMaxWaitMs;
    if (full || old) await this.flush();
  }

  /**
   * Hands the current batch to the sink once the previous batch is delivered and its positions
   * are journaled: at most one batch is ever out without a checkpoint behind it, so a kill -9
   * repeats at most that batch. The next batch is read meanwhile.
   */
  private async flush(): Promise<void> {
    if (this.batch.isEmpty || this.failure) return;
    const batch = this.batch;
    this.batch = new Batch();
    const { stats } = this.deps;
    stats.recordsRead += batch.records;
    stats.bytesRead += batch.inputBytes;

    try {
      await this.waitForSink();
    } catch (error) {
      this.fail(error as Error);
      return;
    }
    if (this.failure) return;

    this.deliveries = this.deliver(batch);
  }

  /** Sends one batch and journals its positions; never rejects (a failure ends the loop). */
  private async deliver(batch: Batch): Promise<void> {
    const { sink, stats } = this.deps;
    let result: DeliveryResult;
    try {
      result = await sink.send(batch);
    } catch (error) {
      this.fail(error as Error);
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
  private async waitForSink(): Promise<void> {
    const ready = Promise.all([this.deliveries, this.deps.sink.ready()]);
    let settled = false;
    const done = ready.finally(() => (settled = true));
    while (!settled) {
      this.lastBeat = Date.now();
      await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
    }
    await done;
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    if (error instanceof SinkAbortedError) return;
    this.deps.logger.error(
      { err: error },
      'sink failed; stopping without saving undelivered lines',
    );
  }

  /** Reads every file to its end, ships it, and saves the checkpoint. */
  private async finish(): Promise<boolean> {
    const { logger, stats } = this.deps;
    this.setReady(false, this.failure ? 'sink failed' : 'finishing');

    if (!this.failure) {
      // A writer still writing must not hold shutdown: half the deadline goes to reading, the
      // rest is left for delivery and the checkpoint.
      const readUntil =
        (this.stopRequestedAt || Date.now()) + this.deps.config.shutdownTimeoutMs / 2;
      await this.scan();
      await this.readAll(true, readUntil);
      await this.flush();
      await this.deliveries;
    }
    await this.ledger.flush().catch((error: Error) => {
      logger.error({ err: error, dir: this.deps.config.stateDir }, 'final checkpoint write failed');
      this.failure ??= error;
    });

    for (const tailer of this.tailers.values()) await tailer.close().catch(() => undefined);
    for (const early of this.early.values()) await early.handle.close().catch(() => undefined);
    this.watcher.close();
    this.anomalies.report(true);
    logger.info({ ...stats, openFiles: this.tailers.size }, 'shipper stopped');
    return !this.failure;
  }
}
