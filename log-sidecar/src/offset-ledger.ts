import type { Batch, FileMark } from './batch.js';
import type { CheckpointEntry, CheckpointStore } from './checkpoint-store.js';
import { hashBytes } from './file-identity.js';

export interface LedgerOptions {
  intervalMs: number;
  maxRecords: number;
  onSaveError: (error: Error) => void;
}

/**
 * Delivered positions per file, written to the checkpoint store by time and by count: after
 * `maxRecords` delivered records or `intervalMs`, whichever comes first, never per line. Only
 * positions of delivered batches get here, so a checkpoint never runs ahead of the sink.
 */
export class OffsetLedger {
  private readonly entries = new Map<string, CheckpointEntry>();
  private recordsSinceSave = 0;
  private dirty = false;
  private queue: Promise<void> = Promise.resolve();
  private writing = false;
  /** After flush() only flush() writes: nothing may still be writing when the process exits. */
  private closed = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: CheckpointStore,
    private readonly options: LedgerOptions,
  ) {}

  /** Starts from positions restored at start-up (they are already durable). */
  seed(entries: Iterable<CheckpointEntry>): void {
    for (const entry of entries) this.entries.set(entry.key, entry);
    this.dirty = true;
  }

  /** Replaces every entry: after start-up matched saved positions to the files found. */
  reset(marks: Iterable<FileMark>): void {
    this.entries.clear();
    for (const mark of marks) this.entries.set(mark.key, toEntry(mark));
    this.dirty = true;
  }

  start(): void {
    this.timer = setInterval(() => this.saveIfDirty(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Applies the marks of a batch the sink accepted (or dropped for good). */
  delivered(batch: Batch): void {
    for (const mark of batch.marks.values()) {
      if ('removed' in mark) this.entries.delete(mark.key);
      else this.entries.set(mark.key, toEntry(mark));
    }
    if (batch.marks.size > 0) this.dirty = true;

    this.recordsSinceSave += batch.records;
    if (this.recordsSinceSave >= this.options.maxRecords) this.saveIfDirty();
  }

  /** Writes the current state now and waits for it; used at shutdown. */
  async flush(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.closed = true;
    this.dirty = true;
    await this.save();
    // A write triggered by count may have queued itself behind ours.
    await this.queue;
  }

  private saveIfDirty(): void {
    if (!this.dirty || this.writing || this.closed) return;
    void this.save().catch(this.options.onSaveError);
  }

  /** Queues a write behind any write in progress: two writes would share the temporary file. */
  private save(): Promise<void> {
    const write = this.queue.then(() => this.write());
    this.queue = write.catch(() => undefined);
    return write;
  }

  private async write(): Promise<void> {
    this.writing = true;
    this.dirty = false;
    this.recordsSinceSave = 0;
    const snapshot = [...this.entries.values()];

    try {
      await this.store.save(snapshot);
    } catch (error) {
      this.dirty = true;
      throw error;
    } finally {
      this.writing = false;
    }
    // The count was reached again while this write was in progress.
    if (this.recordsSinceSave >= this.options.maxRecords) this.saveIfDirty();
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
