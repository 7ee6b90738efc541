import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { constants } from 'node:os';
import { createInterface } from 'node:readline';

import type { Logger } from 'pino';

import type { RedisLaunch } from './redis-launch.js';
import { parseRedisLogLine } from './redis-log.js';

export interface RedisExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** redis-server ended, or never answered, before it was ready; `reason` is Redis's own words. */
export class RedisStartError extends Error {
  constructor(
    readonly exit: RedisExit | undefined,
    readonly reason: string[],
  ) {
    const how = exit ? `exited with ${describeExit(exit)}` : 'did not become ready';
    const why = reason.length > 0 ? `: ${reason.join('; ')}` : '';
    super(`redis-server ${how} before it was ready${why}`);
    this.name = 'RedisStartError';
  }
}

export interface RedisProcessOptions {
  launch: RedisLaunch;
  /** redis.conf text, written to redis-server's stdin. */
  config: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  readyTimeoutMs?: number;
}

// The last warning and error lines are kept: when Redis gives up, its reason is among them.
const REASON_LINES = 3;
// Redis 7.0 prints "Ready to accept connections", 7.2 adds " tcp".
const READY = /^Ready to accept connections/;

/** One run of redis-server, its log lines forwarded into the supervisor's log. */
export class RedisProcess {
  /** Resolves once Redis accepts connections; rejects with RedisStartError. */
  readonly ready: Promise<void>;
  readonly exited: Promise<RedisExit>;
  private exit: RedisExit | undefined;
  private readonly child: ChildProcess;
  private readonly reason: string[] = [];

  constructor(private readonly options: RedisProcessOptions) {
    const { launch } = options;
    this.child = spawn(launch.command, launch.args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: options.env,
    });
    // 'close' rather than 'exit': it comes once Redis's stdout and stderr are drained,
    // so its last words are logged and in `reason` before anyone hears of the exit.
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
    this.ready = this.waitUntilReady();
    this.ready.catch(() => undefined);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exit === undefined && this.child.pid !== undefined;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  private async waitUntilReady(): Promise<void> {
    const { child } = this;
    const becameReady = this.forwardLogs();

    try {
      await once(child, 'spawn');
    } catch (error) {
      throw new RedisStartError(undefined, [(error as Error).message]);
    }
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(this.options.config);

    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.readyTimeoutMs ?? 10_000);
    });
    const outcome = await Promise.race([becameReady, this.exited, timedOut]);
    clearTimeout(timer);
    if (outcome === 'ready') return;

    if (outcome === 'timeout') {
      this.kill('SIGKILL');
      await this.exited;
      throw new RedisStartError(undefined, this.reason);
    }
    throw new RedisStartError(outcome, this.reason);
  }

  private forwardLogs(): Promise<'ready'> {
    const { child, reason } = this;
    const { logger } = this.options;

    return new Promise((resolve) => {
      const forward = (stream: 'stdout' | 'stderr') => (raw: string) => {
        const line = parseRedisLogLine(raw, stream);
        logger[line.level]({ redisPid: line.redisPid, redisRole: line.redisRole }, line.msg);

        if (line.level === 'warn' || line.level === 'error') {
          reason.push(line.msg);
          if (reason.length > REASON_LINES) reason.shift();
        }
        if (READY.test(line.msg)) resolve('ready');
      };
      createInterface({ input: child.stdout! }).on('line', forward('stdout'));
      createInterface({ input: child.stderr! }).on('line', forward('stderr'));
    });
  }
}

/** The supervisor's exit code for a Redis exit: its code, or 128 + signal number like a shell. */
export function exitStatus(exit: RedisExit): number {
  if (exit.code !== null) return exit.code;
  const number = exit.signal ? constants.signals[exit.signal] : undefined;
  return number === undefined ? 1 : 128 + number;
}

export function describeExit(exit: RedisExit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}
