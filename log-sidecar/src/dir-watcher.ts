import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';

import { fileKey } from './file-identity.js';

/** How long the shipper lets writes gather after the first one wakes it. */
const GATHER_MS = 10;

/**
 * Wakes the shipper when LOG_DIR changes (inotify through fs.watch reports writes to the
 * files inside a watched directory too), with polling as the fallback: fs.watch can miss
 * events on network file systems and stays on a directory that was deleted and recreated,
 * so the watch is renewed whenever the directory's identity changes.
 */
export class DirectoryWatcher {
  /** A name appeared, disappeared or moved since the last call to takeNamesChanged(). */
  private namesChanged = true;
  private watcher: FSWatcher | undefined;
  private watchedKey: string | undefined;
  private wake: ((urgent: boolean) => void) | undefined;
  /** An event that arrived while no wait() was running: it ends the next one. */
  private pending: 'none' | 'write' | 'urgent' = 'none';

  /** `onName` hears every name inotify reports as created, removed or moved. */
  constructor(
    private readonly dir: string,
    private readonly onName: (name: string) => void = () => undefined,
  ) {}

  /** Watches the directory if it exists and is not watched yet. */
  async ensure(): Promise<void> {
    const info = await stat(this.dir, { bigint: true }).catch(() => undefined);
    const key = info?.isDirectory() ? fileKey(info) : undefined;
    if (key === this.watchedKey && this.watcher) return;

    this.stopWatching();
    if (key === undefined) return;
    try {
      this.watcher = watch(this.dir, { persistent: false }, (event, name) =>
        this.onEvent(event, name),
      );
      this.watcher.on('error', () => this.stopWatching());
      this.watchedKey = key;
    } catch {
      // Not watchable (inotify limit reached, unsupported file system): polling carries on.
      this.watcher = undefined;
    }
  }

  takeNamesChanged(): boolean {
    const changed = this.namesChanged;
    this.namesChanged = false;
    return changed;
  }

  /**
   * Resolves after `ms`, at once when a name changes (a rotation, a new file) or on
   * interrupt(), and GATHER_MS after a write: a writer under load appends hundreds of
   * times a second, and each wake costs a stat, a read, a journal line and a sink write,
   * so one read takes the writes of a burst rather than each write alone.
   */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let gather: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        clearTimeout(gather);
        this.wake = undefined;
        this.pending = 'none';
        resolve();
      };
      const wake = (urgent: boolean) => {
        if (urgent) done();
        else gather ??= setTimeout(done, GATHER_MS);
      };
      const timer = setTimeout(done, ms);
      this.wake = wake;
      if (this.pending !== 'none') wake(this.pending === 'urgent');
    });
  }

  /** Ends a wait() now (shutdown). */
  interrupt(): void {
    this.pending = 'urgent';
    this.wake?.(true);
  }

  close(): void {
    this.stopWatching();
    this.interrupt();
  }

  private onEvent(event: string, name: string | null): void {
    const urgent = event === 'rename';
    if (urgent) {
      this.namesChanged = true;
      if (name) this.onName(name);
    }
    if (this.pending !== 'urgent') this.pending = urgent ? 'urgent' : 'write';
    this.wake?.(urgent);
  }

  private stopWatching(): void {
    this.watcher?.close();
    this.watcher = undefined;
    this.watchedKey = undefined;
    this.namesChanged = true;
  }
}
