import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface Started {
  child: ChildProcess;
  /** stdout and stderr so far, for failure messages. */
  output(): string;
  exited(): boolean;
  /** SIGTERM, then the exit code (null after SIGKILL at the deadline). */
  stop(timeoutMs?: number): Promise<number | null>;
}

export function startNode(script: string, cwd: string, env: NodeJS.ProcessEnv): Started {
  const child = spawn(process.execPath, [script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));

  return {
    child,
    output: () => output,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    async stop(timeoutMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;

      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const [code] = (await exited) as [number | null];
      clearTimeout(timer);
      return code;
    },
  };
}

/** Polls until `check` is true; fails with the process's output at the deadline or its exit. */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  started: Started,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    if (started.exited()) {
      throw new Error(`exited with ${started.child.exitCode}: ${started.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms: ${started.output()}`);
}

export async function answers(url: string, status: number): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.status === status;
  } catch {
    return false;
  }
}

/** Runs a script to completion, as a compose healthcheck does; returns its exit code. */
export function runNode(script: string, cwd: string, env: NodeJS.ProcessEnv): number | null {
  return spawnSync(process.execPath, [script], { cwd, env, timeout: 5000 }).status;
}
