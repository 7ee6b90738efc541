import { createHash } from 'node:crypto';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { parseCommandFile, type SeedCommand } from './command-parser.js';

interface EntryBase {
  /** The file's name: for a value file, the key. */
  name: string;
  /** Where the file shows in the Secret directory, for messages. */
  path: string;
  /** sha256 of the file's bytes. */
  digest: string;
}

export type SecretEntry =
  | (EntryBase & { kind: 'value'; value: Buffer })
  | (EntryBase & { kind: 'commands'; commands: SeedCommand[] });

/** Everything one version of the Secret asks Redis to hold. */
export interface SecretSnapshot {
  /** Sorted by name: the order in which entries are applied. */
  entries: SecretEntry[];
  /** Changes whenever any name or any byte of the Secret changes. */
  fingerprint: string;
  /** Visible names that are not regular files (directories), left out. */
  skipped: string[];
}

/** The Secret directory, or a file in it, cannot be used. Names the path, never a value. */
export class SecretReadError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`Secret ${path}: ${problem}`);
    this.name = 'SecretReadError';
  }
}

export const COMMAND_FILE_SUFFIX = '.redis';

// kubelet's AtomicWriter publishes each version of a Secret volume as a hidden
// `..<timestamp>` directory and switches the `..data` symlink to it with one
// rename(2); the visible names are symlinks `name -> ..data/name`.
const DATA_LINK = '..data';

/**
 * Reads one consistent version of the Secret: when `..data` exists its target is
 * resolved once and read, so a rotation in the middle of the read cannot mix two
 * versions; otherwise the directory itself is read (a plain directory of files).
 * Names starting with `.` are not keys.
 */
export async function readSecret(dir: string): Promise<SecretSnapshot> {
  const { source, names } = await listKeys(dir);

  const entries: SecretEntry[] = [];
  const skipped: string[] = [];
  for (const name of names) {
    const entry = await readEntry(dir, source, name);
    if (entry) entries.push(entry);
    else skipped.push(name);
  }

  const keyEntries = entries.filter((entry) => entry.kind === 'value' || entry.commands.length > 0);
  if (keyEntries.length === 0) throw new SecretReadError(dir, 'holds no keys');

  return { entries, fingerprint: fingerprintOf(entries), skipped };
}

/**
 * The directory to read, the target of `..data` when there is one, else `dir`
 * itself, and the names in it that are keys: all but those starting with a dot.
 */
async function listKeys(dir: string): Promise<{ source: string; names: string[] }> {
  const info = await stat(dir).catch(fail(dir));
  if (!info.isDirectory()) throw new SecretReadError(dir, 'is not a directory');

  let names = await readdir(dir).catch(fail(dir));
  let source = dir;
  if (names.includes(DATA_LINK)) {
    const link = join(dir, DATA_LINK);
    source = await realpath(link).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') throw new SecretReadError(link, 'points to nothing');
      return fail(link)(error);
    });
    names = await readdir(source).catch(fail(link));
  }
  return { source, names: names.filter((name) => !name.startsWith('.')).sort() };
}

async function readEntry(
  dir: string,
  source: string,
  name: string,
): Promise<SecretEntry | undefined> {
  const path = join(source, name);
  const shown = join(dir, name);

  const info = await stat(path).catch(fail(shown));
  if (!info.isFile()) return undefined;

  const content = await readFile(path).catch(fail(shown));
  const digest = createHash('sha256').update(content).digest('hex');

  if (name.endsWith(COMMAND_FILE_SUFFIX)) {
    const commands = parseCommandFile(shown, content);
    return { name, path: shown, digest, kind: 'commands', commands };
  }
  return { name, path: shown, digest, kind: 'value', value: stripOneLineEnd(content) };
}

/** A value file's content without ONE trailing `\n` or `\r\n`, as editors and `echo` add one. */
export function stripOneLineEnd(content: Buffer): Buffer {
  if (content.at(-1) !== 0x0a) return content;
  const cut = content.at(-2) === 0x0d ? 2 : 1;
  return content.subarray(0, content.length - cut);
}

function fingerprintOf(entries: readonly SecretEntry[]): string {
  const hash = createHash('sha256');
  for (const entry of entries) hash.update(`${entry.name}\0${entry.kind}\0${entry.digest}\n`);
  return hash.digest('hex');
}

const PROBLEMS: Record<string, string> = {
  ENOENT: 'does not exist',
  ENOTDIR: 'is not a directory',
  EACCES: 'is not readable (permission denied)',
  EPERM: 'is not readable (operation not permitted)',
  ELOOP: 'is a symlink loop',
};

function fail(path: string): (error: NodeJS.ErrnoException) => never {
  return (error) => {
    const problem =
      (error.code && PROBLEMS[error.code]) ?? `cannot be read (${error.code ?? error.message})`;
    throw new SecretReadError(path, problem);
  };
}
