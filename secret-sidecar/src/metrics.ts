import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

const PREFIX = 'secret_sidecar_';

/** How a new version of the Secret fared in Redis. */
export type SeedOutcome = 'applied' | 'rejected' | 'partial';

/** Why a seed did not happen; a fixed set, so that the label cannot grow. */
export type SeedFailureReason =
  'secret_unreadable' | 'command_file_invalid' | 'redis_refused' | 'redis_unavailable';

/** The supervisor's counters and gauges, in a registry of their own. */
export interface SidecarMetrics {
  readonly registry: Registry;
  seeded(outcome: SeedOutcome, keys?: number): void;
  seedFailed(reason: SeedFailureReason): void;
  /** Whether Redis holds the newest version of the Secret that could be read. */
  upToDate(current: boolean): void;
  redisRestarted(): void;
  /** Redis lost every key it held: it died. */
  keysLost(): void;
}

/**
 * Builds the metrics. `redisUp` is asked at every scrape (a PING), so that a Redis that
 * hangs shows as down, as it does on /healthz. A registry per call rather than
 * prom-client's global one: tests build several in one process.
 */
export function createSidecarMetrics(redisUp: () => Promise<boolean>): SidecarMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: PREFIX });

  const keys = new Gauge({
    name: `${PREFIX}keys_seeded`,
    help: 'Keys that Redis holds from the Secret (0 while Redis is down)',
    registers: [registry],
  });
  const seeds = new Counter({
    name: `${PREFIX}seeds_total`,
    help:
      'Versions of the Secret written to Redis (start, rotation, re-seed after a restart), ' +
      'by outcome: applied, rejected (Redis kept the old values), partial',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const lastSeed = new Gauge({
    name: `${PREFIX}last_successful_seed_timestamp_seconds`,
    help: 'Unix time of the last seed that Redis applied whole',
    registers: [registry],
  });
  const failures = new Counter({
    name: `${PREFIX}seed_failures_total`,
    help: 'Seeds that failed, by reason; a failure that persists is counted once',
    labelNames: ['reason'],
    registers: [registry],
  });
  const upToDate = new Gauge({
    name: `${PREFIX}secret_up_to_date`,
    help: '1 when Redis holds the newest readable version of the Secret, 0 while it is refused',
    registers: [registry],
  });
  const restarts = new Counter({
    name: `${PREFIX}redis_restarts_total`,
    help: 'redis-server processes started to replace one that died',
    registers: [registry],
  });
  new Gauge({
    name: `${PREFIX}redis_up`,
    help: '1 when redis-server answers PING within 800 ms, else 0',
    registers: [registry],
    async collect() {
      this.set((await redisUp()) ? 1 : 0);
    },
  });

  // Every label value from the start: a series that appears only after its first event
  // makes `increase()` miss that event.
  for (const outcome of ['applied', 'rejected', 'partial'] satisfies SeedOutcome[]) {
    seeds.inc({ outcome }, 0);
  }
  const reasons: SeedFailureReason[] = [
    'secret_unreadable',
    'command_file_invalid',
    'redis_refused',
    'redis_unavailable',
  ];
  for (const reason of reasons) failures.inc({ reason }, 0);

  return {
    registry,
    seeded(outcome, count) {
      seeds.inc({ outcome });
      if (outcome !== 'applied') return;

      if (count !== undefined) keys.set(count);
      lastSeed.set(Date.now() / 1000);
    },
    seedFailed: (reason) => failures.inc({ reason }),
    upToDate: (current) => upToDate.set(current ? 1 : 0),
    redisRestarted: () => restarts.inc(),
    keysLost: () => keys.set(0),
  };
}
