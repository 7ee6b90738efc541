import { renameSync, statSync } from 'node:fs';

import type { SonicBoom } from 'sonic-boom';

/**
 * Keeps LOG_FILE under a size by renaming it to `<name>.1` (replacing the older
 * copy) and reopening it: the rename rotation that the log sidecar follows by
 * inode, so it drains the renamed file before moving on. Without a limit the
 * shared emptyDir fills up and the kubelet evicts the pod.
 *
 * The size counts the bytes that reached the file, not those queued for it: a
 * writer behind its queue still fills each file to the limit, instead of rotating
 * again before the new file was even open. A file ends at most one write (up to
 * 256 KiB) past the limit.
 */
export function rotateBySize(file: SonicBoom, path: string, maxBytes: number): void {
  let written = currentSize(path);
  // sonic-boom opens the new file asynchronously; until it is open there is no file to rename.
  let reopening = false;
  // Any open counts from the file's size: after this rotation or after a SIGHUP reopen.
  file.on('ready', () => {
    reopening = false;
    written = currentSize(path);
  });

  file.on('write', (bytes: number) => {
    written += bytes;
    if (written < maxBytes || reopening) return;

    try {
      renameSync(path, `${path}.1`);
    } catch (error) {
      file.emit('error', error);
      return;
    }
    // sonic-boom finishes the write in flight on the old descriptor, then reopens.
    reopening = true;
    file.reopen();
  });
}

function currentSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
