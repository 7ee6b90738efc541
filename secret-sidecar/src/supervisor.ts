import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Redis } from 'ioredis';
import type { Logger } from 'pino';

import { CommandParseError } from './command-parser.js';
import { ADMIN_USER, type SidecarConfig } from './config.js';
import { buildRedisConfig } from './redis-config.js';
import type { RedisLaunch } from './redis-launch.js';
import { describeExit, exitStatus, RedisProcess, type RedisExit } from './redis-process.js';
import { readSecret, SecretReadError, type SecretSnapshot } from './secret-reader.js';
import { SecretWatcher } from './secret-watcher.js';
import { SeedError, Seeder } from './seeder.js';

export interface SupervisorOptions {
  config: SidecarConfig;
  launch: RedisLaunch;
  logger: Logger;
  /** Called when Redis cannot be brought back; the process should stop. */
  onFatal: (error: Error) => void;
}

export interface HealthState {
  alive: boolean;
  ready: boolean;
  reason: string;
}

// Restart backoff after Redis dies: 100 ms doubling to 5 s. After this many failed
// starts in a row the supervisor gives up, so that the kubelet restarts the container.
const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5000;
const MAX_FAILED_STARTS = 5;
const STOP_TIMEOUT_MS = 10_000;
// Kubernetes probes time out after 1 s by default: answer before that.
const PING_TIMEOUT_MS = 800;

/**
 * Owns redis-server: starts it with the generated config, seeds it from the Secret,
 * follows rotations, restarts and re-seeds it when it dies, and stops it with the
 * signal the supervisor got.
 */
export class Supervisor {
  private redis: RedisProcess | undefined;
  private client: Redis | undefined;
  private seeder: Seeder | undefined;
  private workDir: string | undefined;
  private watcher: SecretWatcher | undefined;
  private applied: SecretSnapshot | undefined;
  private lastFailure: string | undefined;
  private ready = false;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private failedStarts = 0;
  private lock: Promise<unknown> = Promise.resolve();
  private syncWanted = false;
  private syncing = false;
  // Random per start and only in this process's memory: the config carries its hash.
  private readonly adminPassword = randomBytes(32).toString('hex');

  constructor(private readonly options: SupervisorOptions) {}

  get isStopping(): boolean {
    return this.stopping;
  }

  /** Reads the Secret, starts Redis and seeds it; rejects on any failure. */
  async start(): Promise<void> {
    const { config, logger } = this.options;
    const snapshot = await readSecret(config.secretDir);
    this.logSkipped(snapshot);

    this.workDir = await mkdtemp(join(tmpdir(), 'secret-sidecar-redis-'));
    logger.info(
      {
        redisServer: config.redisServer,
        dir: this.workDir,
        diesWithParent: this.options.launch.diesWithParent,
      },
      'starting redis-server',
    );
    if (!this.options.launch.diesWithParent) {
      // Known shortcoming: without setpriv, a SIGKILLed supervisor leaves Redis running.
      logger.warn(
        'setpriv --pdeathsig is not available: redis-server would outlive a killed supervisor',
      );
    }

    await this.exclusive(() => this.bringUp(snapshot));
    this.watcher = new SecretWatcher({
      dir: config.secretDir,
      pollIntervalMs: config.pollIntervalMs,
      onCheck: () => this.requestSync(),
      logger,
    });
    this.watcher.start();
  }

  async health(): Promise<HealthState> {
    const alive = await this.redisAnswers();
    if (!alive) return { alive, ready: false, reason: 'redis-server is not running' };
    if (!this.ready) return { alive, ready: false, reason: 'the Secret is not seeded yet' };
    return { alive, ready: true, reason: 'every key is seeded' };
  }

  /** Stops Redis with the given signal; resolves with the exit code for this process. */
  async stop(signal: NodeJS.Signals): Promise<number> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    this.watcher?.stop();
    this.client?.disconnect();

    const exit = await this.stopRedis(signal);
    await this.removeWorkDir();
    return exit ? exitStatus(exit) : 0;
  }

  private async stopRedis(signal: NodeJS.Signals): Promise<RedisExit | undefined> {
    const redis = this.redis;
    if (!redis?.running) return undefined;

    this.options.logger.info({ signal, pid: redis.pid }, 'stopping redis-server');
    redis.kill(signal);
    const killer = setTimeout(() => redis.kill('SIGKILL'), STOP_TIMEOUT_MS);
    const exit = await redis.exited;
    clearTimeout(killer);
    this.options.logger.info({ exit: describeExit(exit) }, 'redis-server stopped');
    return exit;
  }

  /** rmdir, not rm -r: a file left there would mean Redis persisted something. */
  private async removeWorkDir(): Promise<void> {
    const dir = this.workDir;
    if (!dir) return;

    try {
      await rmdir(dir);
    } catch (error) {
      const files = await readdir(dir).catch(() => []);
      this.options.logger.error({ dir, files, err: error }, 'redis working directory is not empty');
    }
  }

  /** Starts one redis-server and seeds it with the snapshot; the caller holds the lock. */
  private async bringUp(snapshot: SecretSnapshot): Promise<void> {
    const { config, launch, logger } = this.options;
    const redisConfig = buildRedisConfig({
      bind: config.redisBind,
      port: config.redisPort,
      dir: this.workDir!,
      adminUser: ADMIN_USER,
      adminPassword: this.adminPassword,
      webUser: config.webUser,
      webPassword: config.webPassword,
      webKeys: config.webKeys,
    });
    const redis = new RedisProcess({ launch, config: redisConfig, env: childEnv(), logger });
    this.redis = redis;
    void redis.exited.then((exit) => this.onRedisExit(redis, exit));
    await redis.ready;
    logger.info({ pid: redis.pid }, 'redis-server is accepting connections');

    const client = new Redis({
      host: clientHost(config.redisBind),
      port: config.redisPort,
      username: ADMIN_USER,
      password: this.adminPassword,
      connectionName: 'secret-sidecar',
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 5000,
      // One client per Redis run: when Redis dies, the restart makes a new one.
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    this.client = client;
    await client.connect();

    this.seeder = new Seeder(client);
    const result = await this.seeder.apply(snapshot);
    this.applied = snapshot;
    this.failedStarts = 0;
    logger.info({ keys: result.keys, written: result.written }, 'Secret seeded into Redis');
    this.setReady(true);
  }

  private onRedisExit(redis: RedisProcess, exit: RedisExit): void {
    if (this.stopping || redis !== this.redis) return;

    // Only a Redis that was up and seeded is restarted from here; a failure while
    // starting is handled by whoever started it (start() or restart()).
    const wasReady = this.ready;
    this.setReady(false);
    this.client?.disconnect();
    if (wasReady) this.scheduleRestart(exit);
  }

  private scheduleRestart(exit: RedisExit | undefined, error?: Error): void {
    const backoff = Math.min(FIRST_BACKOFF_MS * 2 ** this.failedStarts, MAX_BACKOFF_MS);
    this.options.logger.warn(
      {
        exit: exit && describeExit(exit),
        err: error,
        attempt: this.failedStarts + 1,
        backoffMs: backoff,
      },
      'redis-server is down; restarting it and seeding it again',
    );
    this.restartTimer = setTimeout(() => void this.restart(), backoff);
  }

  private async restart(): Promise<void> {
    if (this.stopping) return;

    try {
      await this.exclusive(() => this.bringUp(this.applied!));
      this.requestSync();
    } catch (error) {
      if (this.stopping) return;
      this.failedStarts += 1;
      this.redis?.kill('SIGKILL');
      this.client?.disconnect();
      if (this.failedStarts >= MAX_FAILED_STARTS) {
        this.options.onFatal(error as Error);
        return;
      }
      this.scheduleRestart(undefined, error as Error);
    }
  }

  /** Asks for a look at the Secret; looks run one at a time, the last request wins. */
  private requestSync(): void {
    this.syncWanted = true;
    if (this.syncing) return;

    this.syncing = true;
    void (async () => {
      while (this.syncWanted && !this.stopping) {
        this.syncWanted = false;
        await this.exclusive(() => this.sync());
      }
      this.syncing = false;
    })();
  }

  /** Applies the Secret if it changed since the last good apply; whole or not at all. */
  private async sync(): Promise<void> {
    if (!this.ready || !this.seeder || this.stopping) return;

    let snapshot: SecretSnapshot;
    try {
      snapshot = await readSecret(this.options.config.secretDir);
    } catch (error) {
      this.reportFailure(error as Error, (error as Error).message);
      return;
    }
    if (snapshot.fingerprint === this.applied?.fingerprint) return;
    if (snapshot.fingerprint === this.lastFailure) return;

    try {
      const result = await this.seeder.apply(snapshot);
      this.applied = snapshot;
      this.lastFailure = undefined;
      this.logSkipped(snapshot);
      this.options.logger.info({ ...result }, 'Secret rotation applied');
    } catch (error) {
      this.reportFailure(error as Error, snapshot.fingerprint);
    }
  }

  /** Logs a failed rotation once per distinct failure; the good values stay in Redis. */
  private reportFailure(error: Error, key: string): void {
    const known = error instanceof SecretReadError || error instanceof CommandParseError;
    const refused = error instanceof SeedError;
    if (!known && !refused) {
      this.options.logger.warn({ err: error }, 'could not apply the Secret; will try again');
      return;
    }
    if (key === this.lastFailure) return;

    this.lastFailure = key;
    const partial = refused && error.partial;
    this.options.logger.warn(
      { error: error.message, partial },
      partial
        ? 'Redis refused part of the new Secret and applied the rest; will apply the next change'
        : 'new Secret not applied, Redis keeps the previous values; will apply the next change',
    );
  }

  private async redisAnswers(): Promise<boolean> {
    if (!this.redis?.running || this.client?.status !== 'ready') return false;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
    });
    const answered = this.client.ping().then(
      () => true,
      () => false,
    );
    const alive = await Promise.race([answered, timedOut]);
    clearTimeout(timer);
    return alive;
  }

  private setReady(ready: boolean): void {
    if (ready === this.ready) return;
    this.ready = ready;
    this.options.logger.info({ ready }, ready ? 'ready: every key is seeded' : 'not ready');
  }

  private logSkipped(snapshot: SecretSnapshot): void {
    if (snapshot.skipped.length === 0) return;
    this.options.logger.warn(
      { skipped: snapshot.skipped },
      'Secret entries that are not files are skipped',
    );
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.lock.then(task);
    this.lock = run.catch(() => undefined);
    return run;
  }
}

/** redis-server's environment: the supervisor's, without the web password. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.WEB_REDIS_PASSWORD;
  return env;
}

/** Where the supervisor reaches Redis: the first bind address, a wildcard meaning loopback. */
function clientHost(bind: string): string {
  const first = bind.trim().split(/\s+/)[0] ?? '127.0.0.1';
  const address = first.replace(/^-/, '');
  if (address === '*' || address === '0.0.0.0') return '127.0.0.1';
  if (address === '::*' || address === '::') return '::1';
  return address;
}
