import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

const PREFIX = 'web_';

/**
 * The route label: a fixed set, never the raw URL, so a scan of random paths cannot
 * grow the number of series (each is kept in memory until the process ends).
 */
export type Route = '/' | '/healthz' | '/readyz' | 'other';

/** Why a GET to Redis failed; a fixed set for the same reason. */
export type RedisErrorReason = 'unreachable' | 'timeout' | 'auth_failed' | 'refused';

/** web's two Redis connections, as the `connection` label names them. */
export type ConnectionLabel = 'commands' | 'subscriber';

/** Latency buckets in seconds: fine below 10 ms, where a cached answer lands. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** web's counters, gauges and histogram, in a registry of their own. */
export interface WebMetrics {
  readonly registry: Registry;
  /** `status` is the HTTP status, or `aborted` when the client left before the end. */
  request(route: Route, status: number | 'aborted', seconds: number): void;
  cacheHit(): void;
  cacheMiss(): void;
  /** A keyspace notification dropped the cached value. */
  cacheInvalidated(): void;
  cacheLive(live: boolean): void;
  redisError(reason: RedisErrorReason): void;
  connectionError(connection: ConnectionLabel, reason: 'unreachable' | 'auth_failed'): void;
  connectionUp(connection: ConnectionLabel, up: boolean): void;
  reconnected(connection: ConnectionLabel): void;
  /** The value web serves changed (or was seen for the first time). */
  secretChanged(): void;
}

/**
 * Builds the metrics. A registry per call rather than prom-client's global one:
 * tests build several apps in one process.
 */
export function createWebMetrics(now: () => number = Date.now): WebMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: PREFIX });
  const registers = [registry];

  // Requests are counted in plain Maps and handed to prom-client at each scrape:
  // a labelled inc() builds and checks a label key on every call, on the hot path.
  const counts = new Map<Route, Map<number | 'aborted', number>>();
  new Counter({
    name: `${PREFIX}http_requests_total`,
    help: 'HTTP requests answered, by route (/, /healthz, /readyz, other) and status',
    labelNames: ['route', 'status'] as const,
    registers,
    collect() {
      this.reset();
      for (const [route, byStatus] of counts) {
        for (const [status, n] of byStatus) this.inc({ route, status: String(status) }, n);
      }
    },
  });
  const duration = new Histogram({
    name: `${PREFIX}http_request_duration_seconds`,
    help: 'Time from the request to the end of the response, by route',
    labelNames: ['route'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const hits = new Counter({
    name: `${PREFIX}secret_cache_hits_total`,
    help: 'GET / answered from the in-memory value',
    registers,
  });
  const misses = new Counter({
    name: `${PREFIX}secret_cache_misses_total`,
    help: 'GET / that had to read Redis (cache empty, not live, or SECRET_CACHE=off)',
    registers,
  });
  const invalidations = new Counter({
    name: `${PREFIX}secret_cache_invalidations_total`,
    help: 'Keyspace notifications for the key that dropped the cached value',
    registers,
  });
  const live = new Gauge({
    name: `${PREFIX}secret_cache_live`,
    help: '1 while the keyspace subscription is confirmed and the cache may hold the value',
    registers,
  });
  const redisErrors = new Counter({
    name: `${PREFIX}redis_errors_total`,
    help: 'GETs to Redis that failed, by reason: unreachable, timeout, auth_failed, refused',
    labelNames: ['reason'] as const,
    registers,
  });
  const connectionErrors = new Counter({
    name: `${PREFIX}redis_connection_errors_total`,
    help: 'Errors the Redis client reported on a connection (each failed attempt counts)',
    labelNames: ['connection', 'reason'] as const,
    registers,
  });
  const up = new Gauge({
    name: `${PREFIX}redis_connection_up`,
    help: '1 while the connection (commands, subscriber) is up',
    labelNames: ['connection'] as const,
    registers,
  });
  const reconnects = new Counter({
    name: `${PREFIX}redis_reconnects_total`,
    help: 'Times a connection came back after it was lost',
    labelNames: ['connection'] as const,
    registers,
  });

  let changedAt: number | undefined;
  new Gauge({
    name: `${PREFIX}secret_age_seconds`,
    help: 'Seconds since the value web serves last changed, as web saw it (NaN before the first)',
    registers,
    collect() {
      this.set(changedAt === undefined ? Number.NaN : (now() - changedAt) / 1000);
    },
  });

  return {
    registry,
    request: (route, status, seconds) => {
      let byStatus = counts.get(route);
      if (byStatus === undefined) counts.set(route, (byStatus = new Map()));
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
      duration.observe({ route }, seconds);
    },
    cacheHit: () => hits.inc(),
    cacheMiss: () => misses.inc(),
    cacheInvalidated: () => invalidations.inc(),
    cacheLive: (isLive) => live.set(isLive ? 1 : 0),
    redisError: (reason) => redisErrors.inc({ reason }),
    connectionError: (connection, reason) => connectionErrors.inc({ connection, reason }),
    connectionUp: (connection, isUp) => up.set({ connection }, isUp ? 1 : 0),
    reconnected: (connection) => reconnects.inc({ connection }),
    secretChanged: () => {
      changedAt = now();
    },
  };
}
