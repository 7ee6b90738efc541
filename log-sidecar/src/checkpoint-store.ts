import { constants } from 'node:fs';
import { access, mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

import type { Fingerprint } from './file-identity.js';

/** One file's delivered position, with what is needed to recognise the file again. */
export interface CheckpointEntry {
  /** `<dev>:<ino>` from a bigint stat, exact even for inode numbers above 2^53. */
  key: string;
  path: string;
  offset: number;
  head: Fingerprint;
  /** Hash of the `tailLength` bytes just before `offset`. */
  tailLength: number;
  tailHash: string;
}

interface CheckpointFile {
  version: 1;
  savedAt: string;
  files: CheckpointEntry[];
}

export class StateDirError extends Error {
  constructor(
    readonly path: string,
    readonly code: string | undefined,
  ) {
    super(`STATE_DIR ${path} is not a writable directory (${code ?? 'unknown error'})`);
    this.name = 'StateDirError';
  }
}

export class CorruptCheckpointError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`checkpoint file ${path} cannot be used: ${reason}`);
    this.name = 'CorruptCheckpointError';
  }
}

/**
 * Reads and writes STATE_DIR/checkpoints.json. A write goes to a temporary file that is renamed
 * over the old one: rename is atomic on POSIX file systems, so a reader finds either the old or
 * the new state, never a torn mix. That alone holds against a crash of the process (kill -9, the
 * OOM killer): what was written stays in the page cache. Against a crash of the machine the
 * temporary file must also be fsynced before the rename and the directory after it (the pattern
 * SQLite and etcd describe for their own files); that is a `durable` save.
 */
export class CheckpointStore {
  readonly file: string;
  private readonly temporary: string;

  constructor(readonly dir: string) {
    this.file = join(dir, 'checkpoints.json');
    this.temporary = join(dir, `checkpoints.json.${process.pid}.tmp`);
  }

  /** Creates STATE_DIR if needed and proves it is writable. */
  async prepare(): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true });
      await access(this.dir, constants.W_OK);
    } catch (error) {
      throw new StateDirError(this.dir, (error as NodeJS.ErrnoException).code);
    }
  }

  /** The saved entries; none when no checkpoint was written yet. */
  async load(): Promise<CheckpointEntry[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }

    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new CorruptCheckpointError(this.file, (error as Error).message);
    }
    if (!isCheckpointFile(parsed)) {
      throw new CorruptCheckpointError(this.file, 'unexpected shape or version');
    }
    return parsed.files;
  }

  /** Moves an unusable checkpoint aside so it can be inspected; returns the new name. */
  async quarantine(): Promise<string> {
    const aside = `${this.file}.corrupt-${Date.now()}`;
    await rename(this.file, aside);
    return aside;
  }

  async save(entries: CheckpointEntry[], options: { durable: boolean }): Promise<void> {
    const body: CheckpointFile = { version: 1, savedAt: new Date().toISOString(), files: entries };
    const handle = await open(this.temporary, 'w', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(body, null, 1)}\n`);
      if (options.durable) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(this.temporary, this.file);
    if (options.durable) await syncDirectory(this.dir);
  }
}

/** Makes the rename itself durable: without it a crash can bring back the old name. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isCheckpointFile(value: unknown): value is CheckpointFile {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<CheckpointFile>;
  if (candidate.version !== 1 || !Array.isArray(candidate.files)) return false;
  return candidate.files.every(isEntry);
}

function isEntry(value: unknown): value is CheckpointEntry {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  const head = entry.head as Record<string, unknown> | undefined;
  return (
    typeof entry.key === 'string' &&
    typeof entry.path === 'string' &&
    Number.isSafeInteger(entry.offset) &&
    Number.isSafeInteger(entry.tailLength) &&
    typeof entry.tailHash === 'string' &&
    typeof head === 'object' &&
    head !== null &&
    Number.isSafeInteger(head.length) &&
    typeof head.hash === 'string'
  );
}
