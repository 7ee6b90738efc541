import {
  close,
  closeSync,
  fstat,
  fstatSync,
  open,
  openSync,
  read,
  type BigIntStats,
  type Stats,
} from 'node:fs';
import { promisify } from 'node:util';

const openAsync = promisify(open);
const readAsync = promisify(read);
const closeAsync = promisify(close);
const fstatAsync = promisify(fstat);

/**
 * A file descriptor opened for reading. Unlike fs/promises' FileHandle it can also be opened
 * synchronously, which the shipper needs inside an inotify callback: the file must be held
 * before anything else runs, or a fast rotation can rename it away first.
 */
export class OpenFile {
  private closed = false;

  private constructor(readonly fd: number) {}

  static async open(path: string): Promise<OpenFile> {
    return new OpenFile(await openAsync(path, 'r'));
  }

  /** The open file, or undefined when it is already gone. */
  static openSync(path: string): OpenFile | undefined {
    try {
      return new OpenFile(openSync(path, 'r'));
    } catch {
      return undefined;
    }
  }

  async read(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesRead: number }> {
    const { bytesRead } = await readAsync(this.fd, buffer, offset, length, position);
    return { bytesRead };
  }

  stat(): Promise<Stats>;
  stat(options: { bigint: true }): Promise<BigIntStats>;
  stat(options?: { bigint: true }): Promise<Stats | BigIntStats> {
    return options ? fstatAsync(this.fd, options) : fstatAsync(this.fd);
  }

  statSync(): BigIntStats {
    return fstatSync(this.fd, { bigint: true });
  }

  /** Closes once; a second call does nothing (the number may belong to another file by then). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await closeAsync(this.fd);
  }

  closeSync(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}
