import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Redis } from 'ioredis';

import { freePort } from '../../../test-support/free-port.js';
import { parseMetrics } from './metrics-text.js';

export const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'main.js');
export const HEALTHCHECK = join(dirname(MAIN), 'healthcheck.js');

export type LogRecord = Record<string, unknown> & { level: string; msg: string };

export interface SidecarOptions {
  secretDir: string;
  password?: string;
  keys?: string;
  env?: Record<string, string>;
  spawnOptions?: { uid?: number; gid?: number };
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** secret-sidecar/dist/main.js as a child process on free loopback ports, its output captured. */
export class Sidecar {
  readonly exited: Promise<ProcessExit>;
  private text = '';

  private constructor(
    readonly child: ChildProcess,
    readonly redisPort: number,
    readonly healthPort: number,
    readonly metricsPort: number,
    readonly password: string,
    /** TMPDIR of the sidecar: its Redis working directory is made in here. */
    readonly tmpDir: string,
  ) {
    // setEncoding decodes across chunk boundaries, so a split UTF-8 character stays whole.
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (this.text += chunk));
    }
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
  }

  static async start(options: SidecarOptions): Promise<Sidecar> {
    const redisPort = await freePort();
    const healthPort = await freePort();
    const metricsPort = await freePort();
    const password = options.password ?? 'pass word "$&*#" -grüße';
    const tmpDir = await mkdtemp(join(tmpdir(), 'secret-sidecar-test-'));

    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      TMPDIR: tmpDir,
      REDIS_BIND: '127.0.0.1',
      REDIS_PORT: String(redisPort),
      HEALTH_HOST: '127.0.0.1',
      HEALTH_PORT: String(healthPort),
      METRICS_HOST: '127.0.0.1',
      METRICS_PORT: String(metricsPort),
      SECRET_DIR: options.secretDir,
      WEB_REDIS_PASSWORD: password,
      WEB_REDIS_KEYS: options.keys ?? 'secret',
      SECRET_POLL_INTERVAL_MS: '200',
      ...(process.env.REDIS_SERVER ? { REDIS_SERVER: process.env.REDIS_SERVER } : {}),
      ...options.env,
    };
    const child = spawn(process.execPath, [MAIN], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...options.spawnOptions,
    });
    return new Sidecar(child, redisPort, healthPort, metricsPort, password, tmpDir);
  }

  /** Everything the process wrote to stdout and stderr so far. */
  get output(): string {
    return this.text;
  }

  /** The complete JSON lines so far; a line still being written is left for later. */
  get logs(): LogRecord[] {
    const complete = this.text.slice(0, this.text.lastIndexOf('\n') + 1);
    return complete
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogRecord);
  }

  /** The pid of the newest redis-server this sidecar started. */
  get redisPid(): number | undefined {
    const started = this.logs.filter((log) => log.msg === 'redis-server is accepting connections');
    return started.at(-1)?.pid as number | undefined;
  }

  async waitForLog(test: (log: LogRecord) => boolean, timeoutMs = 5000): Promise<LogRecord> {
    return eventually(() => {
      const found = this.logs.find(test);
      if (!found) throw new Error(`no such log line yet; output so far:\n${this.text}`);
      return found;
    }, timeoutMs);
  }

  async health(path: '/healthz' | '/readyz'): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`http://127.0.0.1:${this.healthPort}${path}`);
    return { status: response.status, body: await response.json() };
  }

  /** One scrape of GET /metrics, as `name{labels}` -> value. */
  async metrics(): Promise<Map<string, number>> {
    const response = await fetch(`http://127.0.0.1:${this.metricsPort}/metrics`);
    if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
    return parseMetrics(await response.text());
  }

  async waitForReady(timeoutMs = 5000): Promise<void> {
    await eventually(async () => {
      if (this.child.exitCode !== null) throw new Error(`sidecar exited:\n${this.text}`);
      const { status } = await this.health('/readyz');
      if (status !== 200) throw new Error(`readyz answered ${status}`);
    }, timeoutMs);
  }

  /** A connection as web's ACL user, set up the way web must (no INFO, no CLIENT SETNAME). */
  async connectAsWeb(user = 'web', password = this.password): Promise<Redis> {
    const client = new Redis({
      host: '127.0.0.1',
      port: this.redisPort,
      username: user,
      password,
      enableReadyCheck: false,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }

  /** A connection that has not authenticated (RESP2: ioredis then sends no HELLO). */
  async connectAnonymously(): Promise<Redis> {
    const client = new Redis({
      host: '127.0.0.1',
      port: this.redisPort,
      protocol: 2,
      enableReadyCheck: false,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }

  /** Stops the sidecar and its Redis for good and removes its temporary directory. */
  async close(): Promise<void> {
    const redisPid = this.redisPid;
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
    if (redisPid !== undefined) killQuietly(redisPid);
    await rm(this.tmpDir, { recursive: true, force: true });
  }
}

/**
 * True while the process runs. A zombie counts as gone: it has exited, and whoever
 * inherited it (here PID 1 of the machine) reaps it in its own time.
 */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is the first.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Kills a redis-server a test started, checking first that the pid is still one. */
function killQuietly(pid: number): void {
  try {
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server')) return;
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Retries `check` until it stops throwing or the time is up; then throws its last error. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/** Asserts that no secret appears in the output, raw or as pino would escape it in JSON. */
export function findLeaks(output: string, secrets: Array<string | Buffer>): string[] {
  const leaks: string[] = [];
  for (const secret of secrets) {
    const text = secret.toString();
    const forms = [text, JSON.stringify(text).slice(1, -1)];
    if (forms.some((form) => output.includes(form))) leaks.push(text);
  }
  return leaks;
}
