import type { Batch, FileMark } from './batch.js';
import type { JournalChange } from './checkpoint-journal.js';
import type { CheckpointEntry, CheckpointStore } from './checkpoint-store.js';
import { hashBytes } from './file-identity.js';

export interface LedgerOptions {
  /** How often a snapshot is written and made durable against a crash of the machine. */
  syncIntervalMs: number;
  /** A write failed after the previous one succeeded: called once per run of failures. */
  onSaveError: (error: Error) => void;
  /** A write succeeded after `failures` failed ones. */
  onSaveRecovered: (failures: number) => void;
}

/**
 * Delivered positions per file. Only positions of batches the sink accepted (or dropped for
 * good) get here, so a checkpoint never runs ahead of the sink. delivered() appends the batch's
 * positions to the checkpoint journal at once, before the shipper hands the next batch to the
 * sink: a kill -9 then repeats at most the one batch that was out. Every `syncIntervalMs` (and
 * at shutdown) the whole state goes into a durable snapshot that ends the journal so far, so a
 * crash of the machine repeats at most about that much more.
 */
export class OffsetLedger {
  private readonly entries = new Map<string, CheckpointEntry>();
  /** Counts changes to `entries`; `synced` is the one the last snapshot holds. */
  private version = 0;
  private synced = -1;
  private queue: Promise<void> = Promise.resolve();
  /** After flush() only flush() writes: nothing may still be writing when the process exits. */
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private snapshotting = false;
  private failuresInARow = 0;
  /** Failed checkpoint writes since start. */
  writeFailures = 0;
  /** When a checkpoint write last succeeded (epoch ms); undefined before the first. */
  savedAt: number | undefined;

  constructor(
    private readonly store: CheckpointStore,
    private readonly options: LedgerOptions,
  ) {}

  /** Starts from positions loaded at start-up: they are on disk already. */
  seed(entries: Iterable<CheckpointEntry>): void {
    for (const entry of entries) this.entries.set(entry.key, entry);
    this.version++;
  }

  /** Replaces every entry: after start-up matched saved positions to the files found. */
  reset(marks: Iterable<FileMark>): void {
    const changes: JournalChange[] = [...this.entries.keys()].map((key) => ({
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
  async start(): Promise<void> {
    await this.store.journal.next().then(
      () => this.succeeded(),
      (error: Error) => this.failed(error),
    );
    this.timer = setInterval(() => this.sync(), this.options.syncIntervalMs);
    this.timer.unref();
  }

  /** The position up to which the sink accepted a file's lines; undefined before any. */
  deliveredOffset(key: string): number | undefined {
    return this.entries.get(key)?.offset;
  }

  /**
   * Applies the marks of a batch the sink accepted (or dropped for good) and journals them
   * before returning. A failed write is reported through onSaveError; the next snapshot
   * holds the positions all the same.
   */
  delivered(batch: Batch): void {
    if (batch.marks.size === 0) return;
    const changes: JournalChange[] = [];
    for (const mark of batch.marks.values()) {
      if ('removed' in mark) {
        this.entries.delete(mark.key);
        changes.push(mark);
      } else {
        const entry = toEntry(mark);
        this.entries.set(entry.key, entry);
        changes.push(entry);
      }
    }
    this.version++;
    this.record(changes);
  }

  /** Writes a last snapshot and waits for it; used at shutdown. Rejects on failure. */
  async flush(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.closed = true;
    this.queue = this.queue.then(() => this.snapshot(true));
    try {
      await this.queue;
    } finally {
      await this.store.journal.close();
    }
  }

  private record(changes: JournalChange[]): void {
    if (this.closed) return;
    this.attempt(() => this.store.journal.append(changes));
  }

  /** A snapshot slower than the interval (fsync on a busy disk) must not queue up more. */
  private sync(): void {
    if (this.closed || this.snapshotting || this.synced === this.version) return;
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
  private async snapshot(final: boolean): Promise<void> {
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
    } catch (error) {
      this.failed(error as Error);
      throw error;
    }
    this.synced = version;
    this.succeeded();
  }

  private attempt(write: () => void): void {
    try {
      write();
    } catch (error) {
      this.failed(error as Error);
      return;
    }
    this.succeeded();
  }

  private failed(error: Error): void {
    this.writeFailures++;
    if (this.failuresInARow++ === 0) this.options.onSaveError(error);
  }

  private succeeded(): void {
    this.savedAt = Date.now();
    if (this.failuresInARow > 0) this.options.onSaveRecovered(this.failuresInARow);
    this.failuresInARow = 0;
  }
}

function toEntry(mark: FileMark): CheckpointEntry {
  return {
    key: mark.key,
    path: mark.path,
    offset: mark.offset,
    head: mark.head,
    tailLength: mark.tail.length,
    tailHash: hashBytes(mark.tail),
  };
}
