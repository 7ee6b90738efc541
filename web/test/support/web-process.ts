import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

import { freePort } from '../../../test-support/free-port.js';
import type { LogLine } from './capture-logger.js';
import { waitFor } from '../../../test-support/wait.js';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface WebProcess {
  child: ChildProcess;
  port: number;
  metricsPort: number;
  stdout(): string;
  stderr(): string;
  lines(): LogLine[];
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
  waitForLog(message: string, timeoutMs?: number): Promise<void>;
  kill(): Promise<void>;
}

/**
 * Runs the built entry point `web/dist/main.js` (npm run build first) on free ports,
 * one for the app and one for the metrics, so that tests never meet on 8080 or 9101.
 */
export async function spawnWeb(
  env: Record<string, string>,
  args: string[] = [],
  options: { stdoutFd?: number } = {},
): Promise<WebProcess> {
  const port = await freePort();
  const metricsPort = await freePort();
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      ...env,
    },
    stdio: ['ignore', options.stdoutFd ?? 'pipe', 'pipe'],
  });

  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);

  const lines = (): LogLine[] =>
    out
      .split('\n')
      // The last piece is an unfinished line (or empty): lines end with a newline.
      .slice(0, -1)
      .map((line) => JSON.parse(line) as LogLine);

  return {
    child,
    port: Number(env.PORT ?? port),
    metricsPort: Number(env.METRICS_PORT ?? metricsPort),
    stdout: () => out,
    stderr: () => err,
    lines,
    exited,
    waitForLog: (message, timeoutMs = 5000) =>
      waitFor(
        `log line "${message}"`,
        () => lines().some((line) => line.msg.startsWith(message)),
        timeoutMs,
      ),
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
