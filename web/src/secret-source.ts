import type { Redis } from 'ioredis';

import { isAuthFailure, type ConnectionWatch } from './connection-watch.js';
import { SecretUnavailableError, type UnavailableReason } from './http-errors.js';
import type { RedisErrorReason, WebMetrics } from './metrics.js';
import type { SecretCache } from './secret-cache.js';

type RedisFailure = Exclude<UnavailableReason, 'secret key missing'>;

/** How a failed GET is counted; a missing key is an answer, not a Redis error. */
const METRIC_REASON: Record<RedisFailure, RedisErrorReason> = {
  'redis unreachable': 'unreachable',
  'redis timeout': 'timeout',
  'redis auth failed': 'auth_failed',
  'redis refused the command': 'refused',
};

/**
 * Where GET / gets the secret: from the cache while its keyspace feed is live,
 * otherwise one GET on the command connection, bounded by ioredis' commandTimeout
 * and failing at once while disconnected (no offline queue).
 */
export class SecretSource {
  #shared: { generation: number; read: Promise<string> } | undefined;

  constructor(
    private readonly client: Redis,
    private readonly watch: ConnectionWatch,
    readonly key: string,
    private readonly cache: SecretCache | undefined,
    private readonly metrics: WebMetrics,
  ) {}

  /** The value without any I/O, when the cache holds it. */
  cached(): string | undefined {
    return this.cache?.value;
  }

  /**
   * The value from the cache or Redis; throws SecretUnavailableError. While the
   * cache is live, requests that miss it together share one GET, as long as no
   * notification arrived since that GET was sent; so a burst right after a change
   * costs Redis one read, not one per request.
   */
  read(): Promise<string> {
    const cache = this.cache;
    if (!cache?.live) return this.readRedis();

    const cached = cache.value;
    if (cached !== undefined) return Promise.resolve(cached);

    const shared = this.#shared;
    if (shared && shared.generation === cache.generation) return shared.read;

    const read = this.readRedis().finally(() => {
      if (this.#shared?.read === read) this.#shared = undefined;
    });
    this.#shared = { generation: cache.generation, read };
    return read;
  }

  /** Always asks Redis, so a readiness probe proves Redis answers; refills the cache. */
  async readRedis(): Promise<string> {
    const generation = this.cache?.generation ?? 0;

    let value: string | null;
    try {
      value = await this.client.get(this.key);
    } catch (error) {
      const reason = this.#classify(error as Error);
      this.metrics.redisError(METRIC_REASON[reason]);
      throw new SecretUnavailableError(reason, (error as Error).message);
    }

    this.watch.markUp();
    if (value === null) throw new SecretUnavailableError('secret key missing', this.key);

    this.cache?.store(value, generation);
    return value;
  }

  #classify(error: Error): RedisFailure {
    if (error.message === 'Command timed out') return 'redis timeout';
    if (isAuthFailure(error)) {
      this.watch.markDown(error);
      return 'redis auth failed';
    }
    if (error.name === 'ReplyError') return 'redis refused the command';

    // Not sent at all (no connection) or aborted by a disconnect.
    return this.watch.state === 'auth failed' ? 'redis auth failed' : 'redis unreachable';
  }
}
