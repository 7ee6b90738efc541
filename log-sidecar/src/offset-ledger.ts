import type { Batch, FileMark } from './batch.js';
import type { CheckpointEntry, CheckpointStore } from './checkpoint-store.js';
import { hashBytes } from './file-identity.js';

export interface LedgerOptions {
  /** How often the checkpoint is made durable against a crash of the machine (fsync). */
  syncIntervalMs: number;
  /** A write failed after the previous one succeeded: called once per run of failures. */
  onSaveError: (error: Error) => void;
  /** A write succeeded after `failures` failed ones. */
  onSaveRecovered: (failures: number) => void;
}

/**
 * Delivered positions per file. Only positions of batches the sink accepted (or dropped for
 * good) get here, so a checkpoint never runs ahead of the sink. The shipper calls commit() after
 * every such batch and waits for it before the next batch goes to the sink: a kill -9 then
 * repeats at most the one batch that was out. A commit renames a temporary file without fsync
 * (enough against a process crash, and cheap); every `syncIntervalMs` a durable write with
 * fsync follows, so a crash of the machine repeats at most that much more.
 */
export class OffsetLedger {
  private readonly entries = new Map<string, CheckpointEntry>();
  /** Counts changes to `entries`; the versions below say which of them are on disk. */
  private version = 0;
  private committed = -1;
  private synced = -1;
  private queue: Promise<void> = Promise.resolve();
  /** After flush() only flush() writes: nothing may still be writing when the process exits. */
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private failuresInARow = 0;
  /** Failed checkpoint writes since start. */
  writeFailures = 0;
  /** When a checkpoint write last succeeded (epoch ms); undefined before the first. */
  savedAt: number | undefined;

  constructor(
    private readonly store: CheckpointStore,
    private readonly options: LedgerOptions,
  ) {}

  /** Starts from positions restored at start-up. */
  seed(entries: Iterable<CheckpointEntry>): void {
    for (const entry of entries) this.entries.set(entry.key, entry);
    this.version++;
  }

  /** Replaces every entry: after start-up matched saved positions to the files found. */
  reset(marks: Iterable<FileMark>): void {
    this.entries.clear();
    for (const mark of marks) this.entries.set(mark.key, toEntry(mark));
    this.version++;
  }

  /** The position up to which the sink accepted a file's lines; undefined before any. */
  deliveredOffset(key: string): number | undefined {
    return this.entries.get(key)?.offset;
  }

  start(): void {
    this.timer = setInterval(() => this.sync(), this.options.syncIntervalMs);
    this.timer.unref();
  }

  /** Applies the marks of a batch the sink accepted (or dropped for good). */
  delivered(batch: Batch): void {
    for (const mark of batch.marks.values()) {
      if ('removed' in mark) this.entries.delete(mark.key);
      else this.entries.set(mark.key, toEntry(mark));
    }
    if (batch.marks.size > 0) this.version++;
  }

  /**
   * Writes what delivered() applied (rename, no fsync). Never rejects: a failed write is
   * reported through onSaveError and tried again by the next commit or the timer.
   */
  commit(): Promise<void> {
    if (this.closed || this.committed === this.version) return Promise.resolve();
    return this.enqueue(false).catch(() => undefined);
  }

  /** Writes the current state durably and waits for it; used at shutdown. Rejects on failure. */
  async flush(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.closed = true;
    await this.enqueue(true);
  }

  private sync(): void {
    if (this.closed || this.synced === this.version) return;
    void this.enqueue(true).catch(() => undefined);
  }

  /** Queues a write behind any write in progress: two writes would share the temporary file. */
  private enqueue(durable: boolean): Promise<void> {
    const write = this.queue.then(() => this.write(durable));
    this.queue = write.catch(() => undefined);
    return write;
  }

  private async write(durable: boolean): Promise<void> {
    const version = this.version;
    // A write queued before this one may already have saved this state.
    if (version === (durable ? this.synced : this.committed)) return;

    try {
      await this.store.save([...this.entries.values()], { durable });
    } catch (error) {
      this.writeFailures++;
      if (this.failuresInARow++ === 0) this.options.onSaveError(error as Error);
      throw error;
    }

    this.committed = version;
    if (durable) this.synced = version;
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
