import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

import { createAdminClient } from './admin-client.js';
import { ADMIN_USER, type SidecarConfig } from './config.js';
import { createSidecarMetrics, type SidecarMetrics } from './metrics.js';
import { buildRedisConfig } from './redis-config.js';
import type { RedisLaunch } from './redis-launch.js';
import { describeExit, exitStatus, RedisProcess, type RedisExit } from './redis-process.js';
import { readSecret, type SecretSnapshot } from './secret-reader.js';
import { SecretSync } from './secret-sync.js';
import { SecretWatcher } from './secret-watcher.js';
import { Seeder } from './seeder.js';

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
  readonly metrics: SidecarMetrics;
  private redis: RedisProcess | undefined;
  private client: Redis | undefined;
  private seeder: Seeder | undefined;
  private workDir: string | undefined;
  private watcher: SecretWatcher | undefined;
  private readonly secret: SecretSync;
  private ready = false;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private failedStarts = 0;
  private lock: Promise<unknown> = Promise.resolve();
  private syncWanted = false;
  private syncing = false;
  // Random per start and only in this process's memory: the config carries its hash.
  private readonly adminPassword = randomBytes(32).toString('hex');

  constructor(private readonly options: SupervisorOptions) {
    this.metrics = createSidecarMetrics(() => this.redisAnswers());
    this.secret = new SecretSync(options.config.secretDir, options.logger, this.metrics);
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  /** Reads the Secret, starts Redis and seeds it; rejects on any failure. */
  async start(): Promise<void> {
    const { config, logger } = this.options;
    const snapshot = await readSecret(config.secretDir);

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
    if (!alive) return { alive, ready: false, reason: 'redis-server does not answer' };
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

    const client = createAdminClient({
      bind: config.redisBind,
      port: config.redisPort,
      password: this.adminPassword,
    });
    this.client = client;
    await client.connect();

    this.seeder = new Seeder(client);
    await this.secret.seed(this.seeder, snapshot);
    this.failedStarts = 0;
    this.setReady(true);
  }

  private onRedisExit(redis: RedisProcess, exit: RedisExit): void {
    if (this.stopping || redis !== this.redis) return;

    // Only a Redis that was up and seeded is restarted from here; a failure while
    // starting is handled by whoever started it (start() or restart()).
    const wasReady = this.ready;
    this.setReady(false);
    this.metrics.keysLost();
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

    this.metrics.redisRestarted();
    try {
      await this.exclusive(() => this.bringUp(this.secret.applied!));
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
        await this.exclusive(async () => {
          if (this.ready && this.seeder && !this.stopping) await this.secret.sync(this.seeder);
        });
      }
      this.syncing = false;
    })();
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
