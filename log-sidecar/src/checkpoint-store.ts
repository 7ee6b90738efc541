import { constants } from 'node:fs';
import { access, mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

import { isEntry, type CheckpointEntry } from './checkpoint-entry.js';
import { CheckpointJournal, type JournalDamage } from './checkpoint-journal.js';

export type { CheckpointEntry } from './checkpoint-entry.js';

interface CheckpointFile {
  version: 1;
  savedAt: string;
  /** The journal generation that continues this snapshot; absent in older files. */
  journal?: number;
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
 * STATE_DIR's checkpoint: a snapshot, checkpoints.json, plus the journal of what was delivered
 * since (see CheckpointJournal). A snapshot goes to a temporary file that is fsynced and renamed
 * over the old one, and the directory is fsynced too: rename is atomic on POSIX file systems, so
 * after a crash the file holds either the old or the new state, never a torn mix (the pattern
 * SQLite and etcd describe for their own files). It costs a few milliseconds on a real disk, so
 * it runs on a timer, not per batch.
 */
export class CheckpointStore {
  readonly file: string;
  readonly journal: CheckpointJournal;
  /** Where load() found the journal unreadable, if it did. */
  damage: JournalDamage | undefined;
  private readonly temporary: string;

  constructor(readonly dir: string) {
    this.file = join(dir, 'checkpoints.json');
    this.temporary = join(dir, `checkpoints.json.${process.pid}.tmp`);
    this.journal = new CheckpointJournal(dir);
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

  /** The saved entries (the snapshot with its journals applied); none before the first save. */
  async load(): Promise<CheckpointEntry[]> {
    // Learnt first, so a new journal never reuses a generation, even after a corrupt snapshot.
    await this.journal.generations();
    const snapshot = await this.readSnapshot();
    const entries = new Map(snapshot.files.map((entry) => [entry.key, entry]));
    this.damage = await this.journal.replay(snapshot.journal ?? 0, entries);
    return [...entries.values()];
  }

  /** Moves an unusable snapshot aside so it can be inspected; returns the new name. */
  async quarantine(): Promise<string> {
    const aside = `${this.file}.corrupt-${Date.now()}`;
    await rename(this.file, aside);
    return aside;
  }

  /** Writes a snapshot durably; `journal` is the generation whose lines come after it. */
  async save(entries: CheckpointEntry[], journal: number): Promise<void> {
    const body: CheckpointFile = {
      version: 1,
      savedAt: new Date().toISOString(),
      journal,
      files: entries,
    };
    const handle = await open(this.temporary, 'w', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(body, null, 1)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(this.temporary, this.file);
    await syncDirectory(this.dir);
  }

  private async readSnapshot(): Promise<CheckpointFile> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return { version: 1, savedAt: '', files: [] };
      }
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
    return parsed;
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
  if (candidate.journal !== undefined && !Number.isSafeInteger(candidate.journal)) return false;
  return candidate.files.every(isEntry);
}
