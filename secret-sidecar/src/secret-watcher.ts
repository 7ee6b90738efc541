import { watch, type FSWatcher } from 'node:fs';

import type { Logger } from 'pino';

export interface SecretWatcherOptions {
  dir: string;
  pollIntervalMs: number;
  /** Called after a change in the directory and on every poll; it compares fingerprints. */
  onCheck: () => void;
  logger: Logger;
}

// kubelet's rotation is several steps (new directory, symlink, rename, cleanup):
// events within this window make one check.
const SETTLE_MS = 20;

/**
 * Tells the supervisor when to look at the Secret again. The directory is watched,
 * not a file: kubelet replaces the `..data` symlink with rename(2), so a watch on a
 * file behind it would see the first rotation and then nothing (an inotify watch
 * follows the inode, which kubelet deletes). The poll catches what inotify misses,
 * for example on volumes where it does not work, and re-arms a watch that died.
 */
export class SecretWatcher {
  private watcher: FSWatcher | undefined;
  private poller: NodeJS.Timeout | undefined;
  private settle: NodeJS.Timeout | undefined;

  constructor(private readonly options: SecretWatcherOptions) {}

  start(): void {
    this.arm();
    this.poller = setInterval(() => {
      if (!this.watcher) this.arm();
      this.options.onCheck();
    }, this.options.pollIntervalMs);
  }

  stop(): void {
    clearInterval(this.poller);
    clearTimeout(this.settle);
    this.watcher?.close();
    this.watcher = undefined;
  }

  private arm(): void {
    const { dir, logger } = this.options;
    try {
      this.watcher = watch(dir, { persistent: false }, () => this.changed());
    } catch (error) {
      logger.warn({ dir, err: error }, 'cannot watch the Secret directory; polling only for now');
      return;
    }
    this.watcher.on('error', (error) => {
      logger.warn(
        { dir, err: error },
        'lost the watch on the Secret directory; will re-arm on the next poll',
      );
      this.watcher?.close();
      this.watcher = undefined;
    });
  }

  private changed(): void {
    clearTimeout(this.settle);
    this.settle = setTimeout(() => this.options.onCheck(), SETTLE_MS);
  }
}
