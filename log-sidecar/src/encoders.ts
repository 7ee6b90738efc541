import type { Batch } from './batch.js';
import type { BufferPool } from './buffer-pool.js';
import { jsonStringBound, writeJsonString } from './json-string.js';
import type { OutputFormat } from './config.js';
import type { RecordWriter } from './line-splitter.js';

const NEWLINE = Buffer.from('\n');
const CLOSE = Buffer.from('}\n');
const CLOSE_PARTIAL = Buffer.from(',"partial":true}\n');

export interface RecordMetadata {
  podName: string | undefined;
  podNamespace: string | undefined;
  containerName: string | undefined;
}

/** Turns the records of one chunk into output parts appended to a batch. */
export interface ChunkEncoder extends RecordWriter {
  /** True when output points into the read buffer, which must then wait for delivery. */
  readonly holdsInput: boolean;
  /** Starts a chunk read from `path` into `batch`. */
  begin(batch: Batch, path: string): void;
  /** Ends the chunk: pending small pieces become one part of the batch. */
  end(): void;
}

export function createEncoder(
  format: OutputFormat,
  metadata: RecordMetadata,
  pool: BufferPool,
): ChunkEncoder {
  return format === 'json' ? new JsonEncoder(metadata, pool) : new RawEncoder();
}

/**
 * Ships each line as it was written, LF-terminated. Runs of clean lines are handed to the
 * sink as slices of the read buffer: no string is created and no byte copied per line. That
 * is safe because a read buffer goes back to its pool only after the batch was delivered.
 */
class RawEncoder implements ChunkEncoder {
  readonly holdsInput = true;
  private batch: Batch | undefined;
  private pieces: Buffer[] = [];
  private pieceBytes = 0;
  private pieceRecords = 0;

  begin(batch: Batch): void {
    this.batch = batch;
  }

  cleanLines(buffer: Buffer, start: number, end: number, count: number): void {
    this.flushPieces();
    this.target().addPart(buffer.subarray(start, end), count, end - start);
  }

  record(text: Buffer): void {
    this.pieces.push(text, NEWLINE);
    this.pieceBytes += text.length + 1;
    this.pieceRecords++;
  }

  end(): void {
    this.flushPieces();
    this.batch = undefined;
  }

  private flushPieces(): void {
    if (this.pieces.length === 0) return;

    const joined = Buffer.concat(this.pieces, this.pieceBytes);
    this.target().addPart(joined, this.pieceRecords, this.pieceBytes);
    this.pieces = [];
    this.pieceBytes = 0;
    this.pieceRecords = 0;
  }

  private target(): Batch {
    if (!this.batch) throw new Error('RawEncoder used outside begin()/end()');
    return this.batch;
  }
}

/**
 * One JSON object per line: {"ts","file","pod","namespace","container","message"} with
 * "partial":true on the leading pieces of a line cut at MAX_LINE_BYTES. Everything before
 * the message is the same for a whole chunk, so it is built once per chunk; `ts` is when
 * the shipper read the chunk, not a time parsed from the line. Objects are written straight
 * into pooled buffers, the message escaped byte by byte: no string is made per line.
 */
class JsonEncoder implements ChunkEncoder {
  readonly holdsInput = false;
  private readonly constantFields: string;
  private batch: Batch | undefined;
  private prefix = Buffer.alloc(0);
  private out: Buffer | undefined;
  private outBatch: Batch | undefined;
  private used = 0;
  private partStart = 0;
  private partRecords = 0;

  constructor(
    metadata: RecordMetadata,
    private readonly pool: BufferPool,
  ) {
    let fields = '';
    if (metadata.podName !== undefined) fields += `,"pod":${JSON.stringify(metadata.podName)}`;
    if (metadata.podNamespace !== undefined) {
      fields += `,"namespace":${JSON.stringify(metadata.podNamespace)}`;
    }
    if (metadata.containerName !== undefined) {
      fields += `,"container":${JSON.stringify(metadata.containerName)}`;
    }
    this.constantFields = fields;
  }

  begin(batch: Batch, path: string): void {
    this.batch = batch;
    // A buffer is given back when its batch is delivered, so it never serves two batches.
    if (this.outBatch !== batch) this.out = undefined;
    const ts = new Date().toISOString();
    const prefix = `{"ts":"${ts}","file":${JSON.stringify(path)}${this.constantFields},"message":`;
    this.prefix = Buffer.from(prefix);
  }

  cleanLines(buffer: Buffer, start: number, end: number, count: number): void {
    let position = start;
    for (let i = 0; i < count; i++) {
      const lf = buffer.indexOf(0x0a, position);
      this.append(buffer, position, lf, CLOSE);
      position = lf + 1;
    }
  }

  record(line: Buffer, partial: boolean): void {
    this.append(line, 0, line.length, partial ? CLOSE_PARTIAL : CLOSE);
  }

  end(): void {
    this.pushPart();
    this.batch = undefined;
  }

  /** Writes one object: the chunk's prefix, the line (valid UTF-8) as a JSON string, close. */
  private append(line: Buffer, start: number, end: number, close: Buffer): void {
    const worst = this.prefix.length + jsonStringBound(end - start) + close.length;
    if (!this.out || this.used + worst > this.out.length) this.nextBuffer(worst);

    const out = this.out as Buffer;
    this.used += this.prefix.copy(out, this.used);
    this.used = writeJsonString(line, start, end, out, this.used);
    this.used += close.copy(out, this.used);
    this.partRecords++;
  }

  private nextBuffer(atLeast: number): void {
    this.pushPart();
    const batch = this.target();
    this.out = this.pool.acquire(atLeast);
    this.outBatch = batch;
    batch.retain(this.out);
    this.used = 0;
    this.partStart = 0;
  }

  private pushPart(): void {
    if (!this.out || this.used === this.partStart) return;

    const part = this.out.subarray(this.partStart, this.used);
    this.target().addPart(part, this.partRecords, part.length);
    this.partStart = this.used;
    this.partRecords = 0;
  }

  private target(): Batch {
    if (!this.batch) throw new Error('JsonEncoder used outside begin()/end()');
    return this.batch;
  }
}
