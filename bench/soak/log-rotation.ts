import { copyFile, rename, truncate } from 'node:fs/promises';

let rotations = 0;

function rotatedName(path: string): string {
  rotations += 1;
  // Not `.1`: web renames LOG_FILE to `<name>.1` itself once it reaches LOG_FILE_MAX_BYTES.
  return `${path}.soak-${rotations}`;
}

/**
 * Rename rotation as logrotate does it without copytruncate: move the file away,
 * then tell the writer to reopen its path (web reopens LOG_FILE on SIGHUP).
 */
export async function rotateByRename(path: string, writerPid: number): Promise<string> {
  const target = rotatedName(path);
  await rename(path, target);
  process.kill(writerPid, 'SIGHUP');
  return target;
}

/**
 * logrotate's copytruncate: copy the file, then cut the original to zero in place;
 * the writer keeps its descriptor (web appends with O_APPEND, so it writes at the new end).
 */
export async function rotateByCopyTruncate(path: string): Promise<string> {
  const target = rotatedName(path);
  await copyFile(path, target);
  await truncate(path, 0);
  return target;
}
