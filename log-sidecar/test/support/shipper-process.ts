import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { freePort } from '../../../test-support/free-port.js';

export const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'main.js');

export type LogRecord = Record<string, unknown> & { level: string; msg: string };

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Short intervals so that each scenario runs in well under a few seconds. */
const TEST_DEFAULTS: Record<string, string> = {
  POLL_INTERVAL_MS: '20',
  ROTATE_GRACE_MS: '300',
  CHECKPOINT_INTERVAL_MS: '50',
  HEALTH_HOST: '127.0.0.1',
  LOG_LEVEL: 'debug',
};

/**
 * log-sidecar/dist/main.js as a child process. Only PATH is inherited: Downward API variables
 * of the machine running the tests (POD_NAME, CONTAINER_NAME) must not leak into records.
 */
export class ShipperProcess {
  readonly exited: Promise<ProcessExit>;
  private readonly stdoutChunks: Buffer[] = [];
  private stdoutCache: Buffer | undefined;
  private recordCount = 0;
  private stderr = '';

  private constructor(
    readonly child: ChildProcess,
    readonly healthPort: number,
    readonly metricsPort: number,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => {
      this.stdoutChunks.push(chunk);
      this.stdoutCache = undefined;
      for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) {
        this.recordCount++;
      }
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
  }

  static async start(env: Record<string, string>): Promise<ShipperProcess> {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first`);

    const healthPort = Number(env.HEALTH_PORT ?? (await freePort()));
    let metricsPort = Number(env.METRICS_PORT ?? (await freePort()));
    while (metricsPort === healthPort) metricsPort = await freePort();
    const child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH ?? '',
        ...TEST_DEFAULTS,
        HEALTH_PORT: String(healthPort),
        METRICS_PORT: String(metricsPort),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ShipperProcess(child, healthPort, metricsPort);
  }

  /** Shipped output split into records (raw mode: one per line, LF removed). */
  records(): string[] {
    const text = this.rawOutput().toString('utf8');
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    return complete === '' ? [] : complete.slice(0, -1).split('\n');
  }

  rawOutput(): Buffer {
    this.stdoutCache ??= Buffer.concat(this.stdoutChunks);
    return this.stdoutCache;
  }

  logs(): LogRecord[] {
    return this.stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogRecord);
  }

  stderrText(): string {
    return this.stderr;
  }

  async waitForRecords(count: number, timeoutMs = 10_000): Promise<string[]> {
    await this.waitFor(() => this.recordCount >= count, timeoutMs, `${count} records`);
    return this.records();
  }

  async waitForLog(message: string, timeoutMs = 10_000): Promise<LogRecord> {
    await this.waitFor(
      () => this.logs().some((log) => log.msg.includes(message)),
      timeoutMs,
      `a log line "${message}"`,
    );
    return this.logs().find((log) => log.msg.includes(message)) as LogRecord;
  }

  /** The text GET /metrics answers. */
  async scrape(): Promise<string> {
    const response = await fetch(`http://127.0.0.1:${this.metricsPort}/metrics`);
    if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
    return response.text();
  }

  async waitFor(
    check: () => boolean | Promise<boolean>,
    timeoutMs: number,
    what: string,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (this.child.exitCode !== null) {
        throw new Error(`shipper exited (${this.child.exitCode}) before ${what}:\n${this.stderr}`);
      }
      if (Date.now() > deadline) {
        throw new Error(
          `no ${what} within ${timeoutMs} ms; ${this.recordCount} records\n${this.stderr}`,
        );
      }
      await sleep(10);
    }
  }

  /** SIGTERM and wait for the exit. */
  async stop(): Promise<ProcessExit> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }

  async kill(): Promise<ProcessExit> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    return this.exited;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
