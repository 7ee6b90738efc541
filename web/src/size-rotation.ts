import { renameSync, statSync } from 'node:fs';

import type { pino } from 'pino';

type SonicBoom = ReturnType<typeof pino.destination>;

export interface RotatingFile {
  write(text: string): boolean;
}

/**
 * Keeps LOG_FILE under a size by renaming it to `<name>.1` (replacing the older
 * copy) and reopening it: the rename rotation that the log sidecar follows by
 * inode, so it drains the renamed file before moving on. Without a limit the
 * shared emptyDir fills up and the kubelet evicts the pod.
 *
 * The size counts characters, not bytes: close enough for a limit, and it keeps
 * a byte count of every line off the hot path.
 */
export function rotateBySize(file: SonicBoom, path: string, maxBytes: number): RotatingFile {
  let written = currentSize(path);
  // sonic-boom opens the new file asynchronously; until it is open there is no file to rename.
  let reopening = false;
  file.on('ready', () => {
    reopening = false;
  });

  return {
    write(text) {
      const accepted = file.write(text);
      written += text.length;
      if (written < maxBytes || reopening) return accepted;

      written = 0;
      try {
        renameSync(path, `${path}.1`);
      } catch (error) {
        file.emit('error', error);
        return accepted;
      }
      // sonic-boom finishes a write in flight on the old descriptor, then reopens.
      reopening = true;
      file.reopen();
      return accepted;
    },
  };
}

function currentSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
