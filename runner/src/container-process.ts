import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

import { dieWithParent } from '@sidecar-pod/common';

import type { LinePrinter } from './log-format.js';

export interface ContainerSpec {
  name: string;
  entryPoint: string;
  env: NodeJS.ProcessEnv;
  quiet: boolean;
}

/**
 * One container of the pod as a local child process. Children get their own
 * process group, so a Ctrl-C at the terminal reaches only the runner, which
 * then stops them in the pod's order rather than all at once.
 */
export class ContainerProcess {
  readonly name: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;

  constructor(
    spec: ContainerSpec,
    printers: { stdout: LinePrinter; stderr: LinePrinter },
    write: (line: string) => void,
  ) {
    this.name = spec.name;
    // SIGTERM when the runner dies without stopping them (SIGKILL): they shut down
    // cleanly, if not in the pod's order, instead of running on as orphans.
    const { command, args } = dieWithParent(process.execPath, [spec.entryPoint], 'TERM');
    this.child = spawn(command, args, {
      env: spec.env,
      stdio: spec.quiet ? 'ignore' : ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.exited = once(this.child, 'exit').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
    }));

    const { stdout, stderr } = this.child;
    if (stdout)
      createInterface({ input: stdout }).on('line', (line) => write(printers.stdout(line)));
    if (stderr)
      createInterface({ input: stderr }).on('line', (line) => write(printers.stderr(line)));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM, then SIGKILL when the grace period runs out, as the kubelet does. */
  async stop(graceMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) this.child.kill('SIGTERM');

    const timer = setTimeout(() => {
      if (this.running) this.child.kill('SIGKILL');
    }, graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
