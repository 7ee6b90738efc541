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

export function isEntry(value: unknown): value is CheckpointEntry {
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
