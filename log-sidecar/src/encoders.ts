import type { Batch } from './batch.js';
import type { OutputFormat } from './config.js';
import type { RecordWriter } from './line-splitter.js';

const NEWLINE = Buffer.from('\n');

export interface RecordMetadata {
  podName: string | undefined;
  podNamespace: string | undefined;
  containerName: string | undefined;
}

/** Turns the records of one chunk into output parts appended to a batch. */
export interface ChunkEncoder extends RecordWriter {
  /** Starts a chunk read from `path` into `batch`. */
  begin(batch: Batch, path: string): void;
  /** Ends the chunk: pending small pieces become one part of the batch. */
  end(): void;
}

export function createEncoder(format: OutputFormat, metadata: RecordMetadata): ChunkEncoder {
  return format === 'json' ? new JsonEncoder(metadata) : new RawEncoder();
}

/**
 * Ships each line as it was written, LF-terminated. Runs of clean lines are handed to the
 * sink as slices of the read buffer: no string is created and no byte copied per line. That
 * is safe because a read buffer is never reused once its bytes have been handed over.
 */
class RawEncoder implements ChunkEncoder {
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
 * the shipper read the chunk, not a time parsed from the line.
 */
class JsonEncoder implements ChunkEncoder {
  private readonly constantFields: string;
  private batch: Batch | undefined;
  private prefix = '';
  private text = '';
  private records = 0;

  constructor(metadata: RecordMetadata) {
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
    const ts = new Date().toISOString();
    this.prefix = `{"ts":"${ts}","file":${JSON.stringify(path)}${this.constantFields},"message":`;
  }

  cleanLines(buffer: Buffer, start: number, end: number, count: number): void {
    const { prefix } = this;
    let text = '';
    let position = start;
    for (let i = 0; i < count; i++) {
      const lf = buffer.indexOf(0x0a, position);
      text += `${prefix}${JSON.stringify(buffer.toString('utf8', position, lf))}}\n`;
      position = lf + 1;
    }
    this.text += text;
    this.records += count;
  }

  record(line: Buffer, partial: boolean): void {
    const message = JSON.stringify(line.toString('utf8'));
    this.text += `${this.prefix}${message}${partial ? ',"partial":true}\n' : '}\n'}`;
    this.records++;
  }

  end(): void {
    if (!this.batch) throw new Error('JsonEncoder used outside begin()/end()');
    if (this.records > 0) {
      this.batch.addPart(this.text, this.records, Buffer.byteLength(this.text));
    }
    this.text = '';
    this.records = 0;
    this.batch = undefined;
  }
}
