import type { Fingerprint } from './file-identity.js';

/** Where reading of one file stands once every record before `offset` is delivered. */
export interface FileMark {
  key: string;
  path: string;
  offset: number;
  /** The bytes just before `offset` (at most TAIL_CHECK_BYTES), to recognise the file again. */
  tail: Buffer;
  head: Fingerprint;
}

/** The file is done with (drained and closed): its checkpoint entry can go. */
export interface FileRemoval {
  key: string;
  removed: true;
}

export type BatchMark = FileMark | FileRemoval;

export interface FileCount {
  records: number;
  bytes: number;
}

/**
 * Encoded records on their way to the sink, and the file positions they complete. The marks
 * are applied to the checkpoint only after the sink accepted every record of the batch.
 */
export class Batch {
  readonly parts: (Buffer | string)[] = [];
  /** Input bytes read into this batch, to bound its size before encoding. */
  inputBytes = 0;
  outputBytes = 0;
  records = 0;
  /** Latest mark per file; a later mark for the same file replaces the earlier one. */
  readonly marks = new Map<string, BatchMark>();
  readonly createdAt = Date.now();
  /** Pooled buffers the parts point into; back to the pool once the batch is delivered. */
  readonly retained: Buffer[] = [];
  /** Records and input bytes per file base name, added once per chunk (for the metrics). */
  readonly files = new Map<string, FileCount>();

  get isEmpty(): boolean {
    return this.records === 0 && this.marks.size === 0 && this.parts.length === 0;
  }

  addPart(part: Buffer | string, records: number, outputBytes: number): void {
    this.parts.push(part);
    this.records += records;
    this.outputBytes += outputBytes;
  }

  count(name: string, records: number, bytes: number): void {
    const count = this.files.get(name);
    if (count) {
      count.records += records;
      count.bytes += bytes;
    } else {
      this.files.set(name, { records, bytes });
    }
  }

  retain(buffer: Buffer): void {
    this.retained.push(buffer);
  }

  mark(mark: BatchMark): void {
    this.marks.delete(mark.key);
    this.marks.set(mark.key, mark);
  }
}
