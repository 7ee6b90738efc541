import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

import { entryPoint } from '../../src/paths.js';
import { waitFor } from '../../../test-support/wait.js';

export interface TimedLine {
  at: number;
  text: string;
}

/** One container's built entry point (`<name>/dist/main.js`) run alone, its output captured. */
export class EntryProcess {
  readonly lines: TimedLine[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;

  constructor(name: string, env: Record<string, string>) {
    this.child = spawn(process.execPath, [entryPoint(name)], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = once(this.child, 'exit').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
    }));
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      createInterface({ input: stream }).on('line', (text) =>
        this.lines.push({ at: Date.now(), text }),
      );
    }
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async waitForLine(what: string, match: (text: string) => boolean, timeoutMs = 10_000) {
    await waitFor(what, () => this.lines.some((line) => match(line.text)), timeoutMs);
  }

  /** SIGTERM, SIGKILL after graceMs; resolves once the process is gone. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
