import type { Logger } from 'pino';

import type { WebConfig } from './config.js';
import { ConnectionWatch } from './connection-watch.js';
import { createWebMetrics, type WebMetrics } from './metrics.js';
import { Readiness } from './readiness.js';
import { createRedisClient } from './redis-client.js';
import { keyspaceChannel, SecretCache } from './secret-cache.js';
import { SecretSource } from './secret-source.js';

export interface WebServices {
  source: SecretSource;
  readiness: Readiness;
  /** Present with SECRET_CACHE=on. */
  cache: SecretCache | undefined;
  metrics: WebMetrics;
  /** Drops both Redis connections at once; nothing is in flight by then. */
  close(): void;
}

/** Opens web's Redis connections: one for GETs and, with the cache on, one subscriber. */
export function createServices(
  config: WebConfig,
  logger: Logger,
  metrics: WebMetrics = createWebMetrics(),
): WebServices {
  const username = config.redis.username;
  const client = createRedisClient(config.redis);
  const watch = new ConnectionWatch(
    client,
    logger,
    {
      name: 'commands',
      label: 'commands',
      whileDown: 'reads that miss the cache answer 503',
      username,
    },
    metrics,
  );

  let cache: SecretCache | undefined;
  let subscriberWatch: ConnectionWatch | undefined;
  if (config.secretCache) {
    const subscriber = createRedisClient(config.redis);
    subscriberWatch = new ConnectionWatch(
      subscriber,
      logger,
      {
        name: 'keyspace subscriber',
        label: 'subscriber',
        whileDown: 'the cache is off and every request reads Redis',
        username,
      },
      metrics,
    );
    const channel = keyspaceChannel(config.redis.db, config.secretKey);
    cache = new SecretCache(subscriber, channel, logger, subscriberWatch, metrics);
  }

  const source = new SecretSource(client, watch, config.secretKey, cache, metrics);
  return {
    source,
    readiness: new Readiness(source, logger),
    cache,
    metrics,
    close: () => {
      subscriberWatch?.close();
      watch.close();
    },
  };
}
